package version

// Version is the toongan release; stage binaries print it for --version.
const Version = "0.1.0"
