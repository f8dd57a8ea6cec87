// Package report holds eval's results: the report.json schema, the
// plots (gonum/plot rendered to PNG) and the self-contained
// report.html (html/template, every image embedded as a data: URI).
package report
