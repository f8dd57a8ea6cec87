// Package version holds the toongan release string shared by every stage binary.
package version
