// Package atomicfile writes files and directories so that a crash, a kill -9 or
// Ctrl-C at any moment leaves either the old version or the new one, never a
// torn mix: data goes to a temporary sibling, is fsynced, then renamed over the
// target, and the parent directory is fsynced.
//
// The rename rule: a write replaces only a regular file or a missing path. A
// symbolic link is followed and its target is written (the link stays a
// link); a directory, device, FIFO or socket at the path (or at the link's
// end) is refused with an error, as is any path inside /dev or /proc, so
// that "--out /dev/stdout" or "--out /dev/full" never turns a device node
// into a regular file.
package atomicfile
