// Package cliapp holds what every toongan stage binary shares: the urfave/cli
// application shell (--quiet, --version, examples in --help, environment
// variable fallbacks), error reporting with a non-zero exit, and progress
// reporting on stderr that is a live bar on a terminal and plain periodic
// lines otherwise.
package cliapp
