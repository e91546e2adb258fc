package ipopt

// UpdateChecksum lets the tests of package ipopt_test check the RFC 1624
// update that Header.Overwrite applies word by word.
var UpdateChecksum = updateChecksum
