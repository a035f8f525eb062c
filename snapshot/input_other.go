//go:build !unix

package snapshot

// openNonBlocking is not needed where opening a file never waits.
const openNonBlocking = 0
