package explorer

import (
	"embed"
	"net/http"
)

// The page, its script and style sheet are compiled into the binary: the
// explorer works with no network and reads no file at run time.
//
//go:embed assets/index.html assets/app.js assets/style.css
var assetFS embed.FS

// assetTypes lists the served assets with their content types; nothing
// else is served from assetFS.
var assetTypes = map[string]string{
	"index.html": "text/html; charset=utf-8",
	"app.js":     "text/javascript; charset=utf-8",
	"style.css":  "text/css; charset=utf-8",
}

func serveAsset(name string) http.HandlerFunc {
	b, err := assetFS.ReadFile("assets/" + name)
	if err != nil {
		panic("explorer: asset " + name + " is not embedded") // a build error, not user input
	}
	typ := assetTypes[name]
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", typ)
		w.Header().Set("Cache-Control", "no-cache")
		w.Write(b)
	}
}
