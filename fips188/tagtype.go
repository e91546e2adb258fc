package fips188

// The tag types FIPS 188 adds to the CIPSO option (fips188.md §4; Linux
// CIPSO_V4_TAG_PBITMAP and CIPSO_V4_TAG_FREEFORM; Wireshark cites FIPS 188
// §6.9 and §6.10 for them).
const (
	// TagPermissiveBitmap is tag 6: 06 LL 00 level bitmap, tag 1's layout.
	TagPermissiveBitmap = 6
	// TagFreeForm is tag 7: 07 LL data, no alignment or level octet.
	TagFreeForm = 7
)
