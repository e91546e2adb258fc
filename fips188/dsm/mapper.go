package dsm

// Mapper turns the (source SID, node ID) pair of a received network SID
// label into a network-wide security ID, the value a receiver checks
// against its policy (DSM checked permission(socket SID, packet SID,
// NETWORK_RECEIVE) at sock_rcv_skb; RULES.md §7).
//
// ok is false when the pair has no network SID (an unknown node, a SID
// the table lacks); a receiver then treats the packet as unlabelled or
// drops it, by its own policy.
type Mapper interface {
	NetworkSID(sourceSID, nodeID uint32) (sid uint64, ok bool)
}

// MapperFunc adapts a function to [Mapper].
type MapperFunc func(sourceSID, nodeID uint32) (uint64, bool)

// NetworkSID implements Mapper.
func (f MapperFunc) NetworkSID(sourceSID, nodeID uint32) (uint64, bool) {
	return f(sourceSID, nodeID)
}

// PairMapper is the default mapping: the node ID in the high 32 bits and
// the source SID in the low 32. It is lossless and needs no
// configuration, so two different senders never share a network SID
// (unlike [SeedMapper]); a cluster that wants SIDs meaningful across
// nodes supplies a [TableMapper] or its own Mapper.
type PairMapper struct{}

// NetworkSID implements Mapper; it is always ok.
func (PairMapper) NetworkSID(sourceSID, nodeID uint32) (uint64, bool) {
	return uint64(nodeID)<<32 | uint64(sourceSID), true
}

// SeedMapper is the DSM seed's mapping, network SID = source SID + 16 ×
// node ID, computed in 32 bits as the seed's C did (it wraps). Its authors
// marked it "bogus for now" (RULES.md §6): different pairs collide
// (SID 16 on node 0 and SID 0 on node 1). It is here for interoperating with that code, and is not the default.
type SeedMapper struct{}

// NetworkSID implements Mapper; it is always ok.
func (SeedMapper) NetworkSID(sourceSID, nodeID uint32) (uint64, bool) {
	return uint64(sourceSID + 16*nodeID), true
}

var (
	_ Mapper = MapperFunc(nil)
	_ Mapper = PairMapper{}
	_ Mapper = SeedMapper{}
	_ Mapper = TableMapper(nil)
)

// SIDPair is a (source SID, node ID) pair, the key of a [TableMapper].
type SIDPair struct {
	SourceSID, NodeID uint32
}

// TableMapper maps listed pairs to configured network SIDs; pairs not in
// the table are not ok. Looking up a map does not allocate; the table
// must not be written while it is being read.
type TableMapper map[SIDPair]uint64

// NetworkSID implements Mapper.
func (m TableMapper) NetworkSID(sourceSID, nodeID uint32) (uint64, bool) {
	v, ok := m[SIDPair{sourceSID, nodeID}]
	return v, ok
}

// NetworkSID maps n's source SID and node ID with m, or with [PairMapper]
// when m is nil. ok is false when n lacks either parameter or m has no
// value for the pair.
func (n Label) NetworkSID(m Mapper) (sid uint64, ok bool) {
	if !n.Params.Has(ParamSourceSID) || !n.Params.Has(ParamNodeID) {
		return 0, false
	}
	if m == nil {
		return PairMapper{}.NetworkSID(n.SourceSID, n.NodeID)
	}
	return m.NetworkSID(n.SourceSID, n.NodeID)
}
