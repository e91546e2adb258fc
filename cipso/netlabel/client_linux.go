package netlabel

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"

	"github.com/iplabel/iplabel/cipso"
	"github.com/mdlayher/genetlink"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// NetLabel's generic netlink families and commands (include/net/netlabel.h,
// net/netlabel/netlabel_cipso_v4.h, net/netlabel/netlabel_mgmt.h).
const (
	familyMgmt    = "NLBL_MGMT"    // NETLBL_NLTYPE_MGMT_NAME
	familyCIPSOv4 = "NLBL_CIPSOv4" // NETLBL_NLTYPE_CIPSOV4_NAME
	familyCALIPSO = "NLBL_CALIPSO" // NETLBL_NLTYPE_CALIPSO_NAME

	protoVersion = 3 // NETLBL_PROTO_VERSION

	cipsoCmdAdd     = 1 // NLBL_CIPSOV4_C_ADD
	cipsoCmdRemove  = 2 // NLBL_CIPSOV4_C_REMOVE
	cipsoCmdList    = 3 // NLBL_CIPSOV4_C_LIST
	cipsoCmdListAll = 4 // NLBL_CIPSOV4_C_LISTALL

	mgmtCmdAdd       = 1 // NLBL_MGMT_C_ADD
	mgmtCmdRemove    = 2 // NLBL_MGMT_C_REMOVE
	mgmtCmdListAll   = 3 // NLBL_MGMT_C_LISTALL
	mgmtCmdAddDef    = 4 // NLBL_MGMT_C_ADDDEF
	mgmtCmdRemoveDef = 5 // NLBL_MGMT_C_REMOVEDEF
	mgmtCmdListDef   = 6 // NLBL_MGMT_C_LISTDEF

	calipsoCmdAdd     = 1 // NLBL_CALIPSO_C_ADD
	calipsoCmdRemove  = 2 // NLBL_CALIPSO_C_REMOVE
	calipsoCmdList    = 3 // NLBL_CALIPSO_C_LIST
	calipsoCmdListAll = 4 // NLBL_CALIPSO_C_LISTALL
)

// Client talks to the kernel's NetLabel over generic netlink. Its methods
// may be called from several goroutines; each request waits for its
// answer before the next is sent.
type Client struct {
	mu    sync.Mutex // one request at a time
	c     *genetlink.Conn
	mgmt  uint16 // family IDs
	cipso uint16
	// calipso is 0 where the kernel has no NLBL_CALIPSO family (no IPv6).
	calipso uint16
}

// Dial opens a generic netlink socket and looks up NetLabel's families
// (NLBL_MGMT and NLBL_CIPSOv4, and NLBL_CALIPSO where the kernel has it). Listing needs no privilege; adding and
// removing needs CAP_NET_ADMIN (GENL_ADMIN_PERM), and fails otherwise with
// an error for which errors.Is(err, os.ErrPermission) holds. A kernel
// without NetLabel gives [ErrNoNetLabel].
func Dial() (*Client, error) {
	c, err := genetlink.Dial(nil)
	if err != nil {
		return nil, fmt.Errorf("netlabel: dial generic netlink: %w", err)
	}
	cl := &Client{c: c}
	for _, f := range []struct {
		name string
		id   *uint16
	}{{familyMgmt, &cl.mgmt}, {familyCIPSOv4, &cl.cipso}} {
		fam, err := c.GetFamily(f.name)
		if err != nil {
			c.Close()
			if errors.Is(err, os.ErrNotExist) {
				return nil, fmt.Errorf("%w (no %s generic netlink family): %w", ErrNoNetLabel, f.name, err)
			}
			return nil, fmt.Errorf("netlabel: look up generic netlink family %s: %w", f.name, err)
		}
		*f.id = fam.ID
	}
	// CALIPSO exists only in a kernel with IPv6; its absence leaves the
	// CIPSO calls working and the CALIPSO ones giving ErrNoCALIPSO.
	fam, err := c.GetFamily(familyCALIPSO)
	switch {
	case err == nil:
		cl.calipso = fam.ID
	case !errors.Is(err, os.ErrNotExist):
		c.Close()
		return nil, fmt.Errorf("netlabel: look up generic netlink family %s: %w", familyCALIPSO, err)
	}
	return cl, nil
}

// Close closes the socket.
func (c *Client) Close() error { return c.c.Close() }

// execute sends one request of family fam and returns the payloads of the
// replies. A dump (NLM_F_DUMP) collects every part; a change asks for an
// acknowledgement, so that its error, if any, comes back.
func (c *Client) execute(fam uint16, cmd uint8, attrs []byte, flags netlink.HeaderFlags) ([][]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	req := genetlink.Message{
		Header: genetlink.Header{Command: cmd, Version: protoVersion},
		Data:   attrs,
	}
	var msgs []genetlink.Message
	if fam == c.mgmt && cmd == mgmtCmdListAll {
		// netlbl_mgmt_listall_cb numbers the parts of its dump from the
		// request's sequence number up, which netlink.Validate (in
		// Execute) refuses: check the parts here instead.
		sent, err := c.c.Send(req, fam, netlink.Request|flags)
		if err != nil {
			return nil, err
		}
		var nms []netlink.Message
		msgs, nms, err = c.c.Receive()
		if err != nil {
			return nil, err
		}
		for _, m := range nms {
			if m.Header.PID != sent.Header.PID || m.Header.Sequence < sent.Header.Sequence {
				return nil, errors.New("netlink reply to another request")
			}
		}
	} else {
		var err error
		msgs, err = c.c.Execute(req, fam, netlink.Request|flags)
		if err != nil {
			return nil, err
		}
	}
	out := make([][]byte, 0, len(msgs))
	for _, m := range msgs {
		if m.Header.Command == cmd {
			out = append(out, m.Data)
		}
	}
	return out, nil
}

// ListDOIs lists the kernel's CIPSO DOIs in the kernel's order (the order
// they were added, as netlabelctl "cipsov4 list" prints them): a
// NLBL_CIPSOV4_C_LISTALL dump for the numbers, then NLBL_CIPSOV4_C_LIST
// for each. A DOI removed between the two steps is left out.
func (c *Client) ListDOIs() ([]DOI, error) {
	nums, err := c.listDOINumbers()
	if err != nil {
		return nil, err
	}
	out := make([]DOI, 0, len(nums))
	for _, n := range nums {
		d, err := c.DOI(n)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// listDOINumbers gives the numbers of the kernel's DOIs.
func (c *Client) listDOINumbers() ([]cipso.DOI, error) {
	msgs, err := c.execute(c.cipso, cipsoCmdListAll, nil, netlink.Dump)
	if err != nil {
		return nil, fmt.Errorf("netlabel: list CIPSOv4 DOIs: %w", err)
	}
	nums := make([]cipso.DOI, 0, len(msgs))
	for _, b := range msgs {
		n, _, err := decodeListAll(b)
		if err != nil {
			return nil, fmt.Errorf("netlabel: list CIPSOv4 DOIs: %w", err)
		}
		nums = append(nums, n)
	}
	return nums, nil
}

// DOI gives the definition of DOI n. A DOI the kernel does not have is an
// error for which errors.Is(err, os.ErrNotExist) holds (the kernel answers
// EINVAL: netlbl_cipsov4_list).
func (c *Client) DOI(n cipso.DOI) (DOI, error) {
	attrs, err := encodeDOINumber(n)
	if err != nil {
		return DOI{}, err
	}
	msgs, err := c.execute(c.cipso, cipsoCmdList, attrs, 0)
	if errors.Is(err, unix.EINVAL) {
		return DOI{}, fmt.Errorf("netlabel: list CIPSOv4 DOI %v: %w (the kernel answered %w)", n, os.ErrNotExist, err)
	}
	if err == nil && len(msgs) != 1 {
		err = fmt.Errorf("%d replies", len(msgs))
	}
	if err != nil {
		return DOI{}, fmt.Errorf("netlabel: list CIPSOv4 DOI %v: %w", n, err)
	}
	d, err := decodeDOI(n, msgs[0])
	if err != nil {
		return DOI{}, fmt.Errorf("netlabel: list CIPSOv4 DOI %v: %w", n, err)
	}
	return d, nil
}

// AddDOI adds d to the kernel, as netlabelctl "cipsov4 add" does
// (NLBL_CIPSOV4_C_ADD). A DOI the kernel has already is an error for which
// errors.Is(err, os.ErrExist) holds (cipso_v4_doi_add: EEXIST); a
// definition the kernel refuses is EINVAL (cipso/RULES.md §4).
// A local DOI needs no Tags: it is sent with tag 128, as netlabelctl does.
func (c *Client) AddDOI(d DOI) error {
	attrs, err := encodeAddDOI(d)
	if err == nil {
		_, err = c.execute(c.cipso, cipsoCmdAdd, attrs, netlink.Acknowledge)
	}
	if err != nil {
		return fmt.Errorf("netlabel: add CIPSOv4 DOI %v: %w", d.Number, err)
	}
	return nil
}

// RemoveDOI removes DOI n from the kernel, as netlabelctl "cipsov4 del"
// does (NLBL_CIPSOV4_C_REMOVE). The kernel first removes every domain
// mapping that uses it (netlbl_cipsov4_remove). A DOI the kernel does not
// have is an error for which errors.Is(err, os.ErrNotExist) holds
// (cipso_v4_doi_remove: ENOENT).
func (c *Client) RemoveDOI(n cipso.DOI) error {
	attrs, err := encodeDOINumber(n)
	if err == nil {
		_, err = c.execute(c.cipso, cipsoCmdRemove, attrs, netlink.Acknowledge)
	}
	if err != nil {
		return fmt.Errorf("netlabel: remove CIPSOv4 DOI %v: %w", n, err)
	}
	return nil
}

// Registry builds the registry of the kernel's DOIs: [Client.ListDOIs],
// then [NewRegistry].
func (c *Client) Registry() (*cipso.Registry, error) {
	dois, err := c.ListDOIs()
	if err != nil {
		return nil, err
	}
	return NewRegistry(dois)
}

// ListMappings lists the kernel's domain mappings, as netlabelctl "map
// list" does: the NLBL_MGMT_C_LISTALL dump, in the kernel's hash order,
// then the default mapping (NLBL_MGMT_C_LISTDEF for IPv4, then IPv6; one
// mapping of FamilyAll when both families leave traffic unlabelled, as
// netlabelctl shows them). A family without a default mapping adds
// nothing. Selectors come in the kernel's order, longer prefixes first
// (netlbl_af4list_add, netlbl_af6list_add in net/netlabel/netlabel_addrlist.c).
func (c *Client) ListMappings() ([]Mapping, error) {
	msgs, err := c.execute(c.mgmt, mgmtCmdListAll, nil, netlink.Dump)
	if err != nil {
		return nil, fmt.Errorf("netlabel: list domain mappings: %w", err)
	}
	out := make([]Mapping, 0, len(msgs)+1)
	for _, b := range msgs {
		m, err := decodeMapping(b, false)
		if err != nil {
			return nil, fmt.Errorf("netlabel: list domain mappings: %w", err)
		}
		out = append(out, m)
	}
	var defs []Mapping
	for _, f := range []Family{FamilyIPv4, FamilyIPv6} {
		attrs, err := encodeFamily(f)
		if err != nil {
			return nil, err
		}
		msgs, err := c.execute(c.mgmt, mgmtCmdListDef, attrs, 0)
		if errors.Is(err, unix.ENOENT) {
			continue
		}
		if err == nil && len(msgs) != 1 {
			err = fmt.Errorf("%d replies", len(msgs))
		}
		if err != nil {
			return nil, fmt.Errorf("netlabel: list the default %v domain mapping: %w", f, err)
		}
		m, err := decodeMapping(msgs[0], true)
		if err != nil {
			return nil, fmt.Errorf("netlabel: list the default %v domain mapping: %w", f, err)
		}
		if len(defs) == 1 && mappingEqual(defs[0], m) {
			continue
		}
		if len(defs) == 1 && unlabeledOnly(defs[0]) && unlabeledOnly(m) {
			defs[0].Family = FamilyAll // as netlabelctl shows it
			continue
		}
		defs = append(defs, m)
	}
	return append(out, defs...), nil
}

// unlabeledOnly reports whether m leaves all traffic unlabelled.
func unlabeledOnly(m Mapping) bool { return m.Protocol == Unlabeled && len(m.Selectors) == 0 }

func mappingEqual(a, b Mapping) bool {
	return a.Default == b.Default && a.Domain == b.Domain && a.Family == b.Family &&
		a.Protocol == b.Protocol && a.DOI == b.DOI && slices.Equal(a.Selectors, b.Selectors)
}

// AddMapping adds m, as netlabelctl "map add" does: NLBL_MGMT_C_ADD for a
// domain, NLBL_MGMT_C_ADDDEF for the default mapping (m.Default). A
// mapping with Selectors is added one selector at a time, which the kernel
// merges into one mapping (netlbl_domhsh_add); a mapping without them
// labels every peer with m.Protocol (CIPSOv4 or CALIPSO with m.DOI, or
// Unlabeled for m.Family). A domain that is mapped already (the kernel
// answers EINVAL, unless both have selectors), or a selector it has
// already (EEXIST), is an error for which errors.Is(err, os.ErrExist)
// holds; a DOI the kernel does not have (EINVAL) is one for which
// errors.Is(err, os.ErrNotExist) holds. When a selector fails, the call
// leaves the kernel as it found it if the mapping is new (it removes what
// it added); selectors added to a mapping that existed before the call
// stay, and the error says how many.
func (c *Client) AddMapping(m Mapping) error {
	what := "the default domain mapping"
	if !m.Default {
		what = fmt.Sprintf("domain mapping %q", m.Domain)
	}
	if !m.Default && m.Domain == "" {
		return errors.New("netlabel: add domain mapping: no domain (set Default for the default mapping)")
	}
	cmd := uint8(mgmtCmdAdd)
	if m.Default {
		cmd = mgmtCmdAddDef
	}
	add := func(sel *Selector) error {
		attrs, err := encodeMapping(m, sel)
		if err == nil {
			_, err = c.execute(c.mgmt, cmd, attrs, netlink.Acknowledge)
		}
		if err == nil {
			return nil
		}
		proto, doi, what := m.Protocol, m.DOI, what
		if sel != nil {
			proto, doi = sel.Protocol, sel.DOI
			what += " for " + sel.Prefix.String()
		}
		if errors.Is(err, unix.EINVAL) {
			switch {
			case proto == CIPSOv4 && !c.hasDOI(cipso.DOI(doi)):
				return fmt.Errorf("netlabel: add %s: CIPSOv4 DOI %d: %w (the kernel answered %w)", what, doi, os.ErrNotExist, err)
			case c.mapped(m, sel != nil):
				return fmt.Errorf("netlabel: add %s: already mapped: %w (the kernel answered %w)", what, os.ErrExist, err)
			}
		}
		return fmt.Errorf("netlabel: add %s: %w", what, err)
	}
	if len(m.Selectors) == 0 {
		return add(nil)
	}
	// Selectors go one request at a time; if one fails, those added
	// before it are taken back by removing the mapping, which is only
	// possible when the call created it (the kernel removes a domain's
	// mapping whole, not one selector).
	existed := c.mapped(m, false)
	for i := range m.Selectors {
		if err := add(&m.Selectors[i]); err != nil {
			if i == 0 {
				return err
			}
			if existed {
				return fmt.Errorf("%w (the %d selectors before it were added to the existing mapping and stay)", err, i)
			}
			var rerr error
			if m.Default {
				rerr = c.RemoveDefaultMapping()
			} else {
				rerr = c.RemoveMapping(m.Domain)
			}
			if rerr != nil {
				return fmt.Errorf("%w (undoing the %d selectors before it failed too: %w)", err, i, rerr)
			}
			return err
		}
	}
	return nil
}

// mapped reports whether m's domain (or the default) has a mapping that
// the kernel cannot add to: any mapping, or for a selector one without
// selectors.
func (c *Client) mapped(m Mapping, sel bool) bool {
	ms, err := c.ListMappings()
	return err == nil && slices.ContainsFunc(ms, func(o Mapping) bool {
		return o.Default == m.Default && o.Domain == m.Domain && (!sel || len(o.Selectors) == 0)
	})
}

// hasDOI reports whether the kernel lists DOI n.
func (c *Client) hasDOI(n cipso.DOI) bool {
	nums, err := c.listDOINumbers()
	return err == nil && slices.Contains(nums, n)
}

// RemoveMapping removes the mapping of domain, of every address family
// and with all its selectors, as netlabelctl "map del domain:NAME" does
// (NLBL_MGMT_C_REMOVE). A domain without a mapping is an error for which
// errors.Is(err, os.ErrNotExist) holds (netlbl_domhsh_remove: ENOENT).
func (c *Client) RemoveMapping(domain string) error {
	attrs, err := encodeDomain(domain)
	if err == nil {
		_, err = c.execute(c.mgmt, mgmtCmdRemove, attrs, netlink.Acknowledge)
	}
	if err != nil {
		return fmt.Errorf("netlabel: remove domain mapping %q: %w", domain, err)
	}
	return nil
}

// RemoveDefaultMapping removes the default mapping, as netlabelctl "map
// del default" does (NLBL_MGMT_C_REMOVEDEF), for both address families.
// No default mapping is an error for which errors.Is(err, os.ErrNotExist)
// holds.
func (c *Client) RemoveDefaultMapping() error {
	_, err := c.execute(c.mgmt, mgmtCmdRemoveDef, nil, netlink.Acknowledge)
	if err != nil {
		return fmt.Errorf("netlabel: remove the default domain mapping: %w", err)
	}
	return nil
}

// ListCALIPSODOIs lists the numbers of the kernel's CALIPSO DOIs in the
// kernel's order (the order they were added, as netlabelctl "calipso list"
// prints them): the NLBL_CALIPSO_C_LISTALL dump (netlbl_calipso_listall in
// net/netlabel/netlabel_calipso.c). Every CALIPSO DOI is a pass-through
// DOI, the only mapping type the kernel has (CALIPSO_MAP_PASS); an entry
// of another type is an error. A kernel without CALIPSO gives
// [ErrNoCALIPSO].
func (c *Client) ListCALIPSODOIs() ([]uint32, error) {
	if c.calipso == 0 {
		return nil, fmt.Errorf("netlabel: list CALIPSO DOIs: %w", ErrNoCALIPSO)
	}
	msgs, err := c.execute(c.calipso, calipsoCmdListAll, nil, netlink.Dump)
	if err != nil {
		return nil, fmt.Errorf("netlabel: list CALIPSO DOIs: %w", err)
	}
	nums := make([]uint32, 0, len(msgs))
	for _, b := range msgs {
		n, err := decodeCALIPSOListAll(b)
		if err != nil {
			return nil, fmt.Errorf("netlabel: list CALIPSO DOIs: %w", err)
		}
		nums = append(nums, n)
	}
	return nums, nil
}

// HasCALIPSODOI reports whether the kernel has CALIPSO DOI n, as
// netlabelctl "calipso list doi:N" asks it (NLBL_CALIPSO_C_LIST; the
// kernel answers EINVAL for a DOI it does not have).
func (c *Client) HasCALIPSODOI(n uint32) (bool, error) {
	if c.calipso == 0 {
		return false, fmt.Errorf("netlabel: list CALIPSO DOI %d: %w", n, ErrNoCALIPSO)
	}
	msgs, err := c.execute(c.calipso, calipsoCmdList, encodeCALIPSODOI(n, false), 0)
	if errors.Is(err, unix.EINVAL) {
		return false, nil
	}
	if err == nil && len(msgs) != 1 {
		err = fmt.Errorf("%d replies", len(msgs))
	}
	if err == nil {
		err = checkCALIPSOType(msgs[0])
	}
	if err != nil {
		return false, fmt.Errorf("netlabel: list CALIPSO DOI %d: %w", n, err)
	}
	return true, nil
}

// AddCALIPSODOI adds the pass-through CALIPSO DOI n, as netlabelctl
// "calipso add pass doi:N" does (NLBL_CALIPSO_C_ADD with CALIPSO_MAP_PASS).
// A DOI the kernel has already is an error for which errors.Is(err,
// os.ErrExist) holds (calipso_doi_add: EEXIST). It needs CAP_NET_ADMIN.
func (c *Client) AddCALIPSODOI(n uint32) error {
	err := ErrNoCALIPSO
	if c.calipso != 0 {
		_, err = c.execute(c.calipso, calipsoCmdAdd, encodeCALIPSODOI(n, true), netlink.Acknowledge)
	}
	if err != nil {
		return fmt.Errorf("netlabel: add CALIPSO DOI %d: %w", n, err)
	}
	return nil
}

// RemoveCALIPSODOI removes CALIPSO DOI n, as netlabelctl "calipso del
// doi:N" does (NLBL_CALIPSO_C_REMOVE). The kernel first removes every
// domain mapping that uses it (netlbl_calipso_remove). A DOI the kernel
// does not have is an error for which errors.Is(err, os.ErrNotExist)
// holds (calipso_doi_remove: ENOENT). It needs CAP_NET_ADMIN.
func (c *Client) RemoveCALIPSODOI(n uint32) error {
	err := ErrNoCALIPSO
	if c.calipso != 0 {
		_, err = c.execute(c.calipso, calipsoCmdRemove, encodeCALIPSODOI(n, false), netlink.Acknowledge)
	}
	if err != nil {
		return fmt.Errorf("netlabel: remove CALIPSO DOI %d: %w", n, err)
	}
	return nil
}
