// Package fslock holds an exclusive advisory lock (flock) on a dataset or run
// folder, so that two toongan processes never write the same folder at once.
// The lock is a small file whose content is the holder's process ID; a
// second process that tries to take it gets a *LockedError naming that PID.
// The kernel drops the lock when the holder exits, however it exits, so a
// lock file left behind by a killed process never blocks anyone.
package fslock
