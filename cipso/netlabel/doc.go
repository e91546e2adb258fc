// Package netlabel is a client of the Linux kernel's NetLabel: it lists,
// adds and removes CIPSO DOIs and domain mappings through NetLabel's
// generic netlink families (NLBL_CIPSOv4 and NLBL_MGMT; net/netlabel/ in
// the Linux sources), as netlabelctl does, without running netlabelctl.
// It is Linux-only: elsewhere every [Client] call gives [ErrLinuxOnly].
//
// To read the kernel's DOIs, [Dial] and call [Client.ListDOIs] (every DOI,
// in the order netlabelctl "cipsov4 list" shows them) or [Client.DOI] (one
// DOI, as "cipsov4 list doi:N"). Each [DOI] has its number, its mapping
// type (pass, trans or local), its tags and, for a translated DOI, its
// level and category pairs as the kernel lists them (netlbl_cipsov4_list
// in net/netlabel/netlabel_cipso_v4.c). Listing needs no privilege.
//
// To check packets against the kernel's configuration, build a
// [cipso.Registry] of its DOIs with [Client.Registry] (or [NewRegistry] of
// a list), then use it as any registry ([cipso.NewLinux],
// [cipso.Registry.Decode]). It equals what [cipso.ParseConfig] makes of
// the DOIs' netlabelctl lines.
//
// To print the DOIs in netlabelctl's syntax ("cipsov4 add pass doi:16
// tags:1,2,5"), which [cipso.ParseConfig] reads back, use [AppendConfig]
// or [DOI.String].
//
// To change the kernel's DOIs, [Client.AddDOI] and [Client.RemoveDOI] do
// what netlabelctl "cipsov4 add" and "cipsov4 del" do; [DOIOf] turns a
// [cipso.Domain] into the definition to add. They need CAP_NET_ADMIN.
//
// To map LSM domains to a labelling protocol, [Client.ListMappings],
// [Client.AddMapping], [Client.RemoveMapping] and
// [Client.RemoveDefaultMapping] do what netlabelctl "map list", "map add"
// and "map del" do (net/netlabel/netlabel_mgmt.c), default mapping and
// address selectors included.
//
// Errors say what was asked and wrap the kernel's answer (a
// syscall.Errno): errors.Is(err, os.ErrNotExist) holds for a DOI or a
// mapping the kernel does not have, os.ErrExist for one it has already,
// os.ErrPermission without CAP_NET_ADMIN. Where the kernel answers EINVAL
// for these cases (listing a missing DOI, mapping to one, mapping a
// domain again) the client finds out which it is and says so. A kernel
// without NetLabel gives [ErrNoNetLabel] from Dial.
//
// To read and change the kernel's CALIPSO DOIs (IPv6; NLBL_CALIPSO,
// net/netlabel/netlabel_calipso.c), [Client.ListCALIPSODOIs],
// [Client.HasCALIPSODOI], [Client.AddCALIPSODOI] and
// [Client.RemoveCALIPSODOI] do what netlabelctl "calipso list", "calipso
// add pass" and "calipso del" do; every CALIPSO DOI is a pass-through DOI.
// A kernel without IPv6 has no NLBL_CALIPSO: those calls give
// [ErrNoCALIPSO], the others work. A [Mapping] maps a domain to a CALIPSO
// DOI as to a CIPSO one.
//
// NetLabel is global to the machine: its generic netlink families answer
// in the initial network namespace only (from another one Dial gives
// ErrNoNetLabel), and whatever a Client changes every process sees. Tests
// that change it do so through package netlabeltest, which serialises
// them across processes and leaves the host's configuration as found.
package netlabel
