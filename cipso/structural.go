package cipso

// anyDOI is the domain [Linux] checks an option of an unregistered DOI
// with when AnyDOI is set: a pass DOI that admits every tag
// cipso_v4_validate knows (1, 2, 5 and the local tag 128). A pass DOI
// admits any level and any category (cipso_v4_map_lvl_valid,
// cipso_v4_map_cat_rbm_valid), so what is left to check is what no
// configuration can change: the tag framing and lengths, the order of
// enumerated categories and ranges, and tag 128 on loopback only, 6
// octets long (RULES.md §7). Its DOI number is never compared. DOI 0 is
// not admitted: no configuration can hold it (cipso_v4_doi_add refuses
// CIPSO_V4_DOI_UNKNOWN).
var anyDOI = &Domain{typ: MapPass, tags: [MaxDOITags]TagType{TagRBitmap, TagEnum, TagRange, TagLocal}}

// lookup is the domain that check judges DOI doi with: the registered one,
// or with AnyDOI the structural one (for any DOI but 0), or nil.
func (l *Linux) lookup(doi DOI) *Domain {
	if d := l.Registry.Lookup(doi); d != nil {
		return d
	}
	if l.AnyDOI && doi != 0 {
		return anyDOI
	}
	return nil
}
