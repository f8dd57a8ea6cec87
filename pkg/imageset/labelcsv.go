package imageset

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/toongan/toongan/pkg/safeio"
	"github.com/toongan/toongan/pkg/shard"
)

// Bounds on a labels CSV file.
const (
	MaxLabelsBytes   = 64 << 20  // the whole file
	MaxLabelsRows    = 1_000_000 // rows after the header
	MaxLabelsColumns = 1 + 256   // "file" and the attribute columns, kept or not
	MaxLabelFileName = 4096      // bytes in a file cell
)

// ReadLabelsCSV reads the labels of a user's images from the CSV file at
// path (see ParseLabelsCSV).
func ReadLabelsCSV(path string) (*Labeling, error) {
	data, err := safeio.ReadFile(path, MaxLabelsBytes, "labels CSV")
	if err != nil {
		return nil, fmt.Errorf("labels: %w", err)
	}
	return ParseLabelsCSV(data, path)
}

// csvColumn is one attribute column of a labels CSV.
type csvColumn struct {
	name   string
	index  int            // cell index in a row
	values map[string]int // value -> count of rows
}

type csvRow struct {
	line  int
	cells []string // value of each column, "" unknown
}

// ParseLabelsCSV reads a labels table: a header row `file,attr1,attr2,...`,
// then one row per image: its path relative to the input folder, or its
// archive member name, and a value word per attribute ("" for unknown).
// Problems that leave the rest usable are returned as the Labeling's
// Issues (prep warns about them, or stops with --strict): a column without
// a valid name, or a repeated one (ignored); a bad row or cell (ignored); a
// file on two rows with different labels (the first kept); a column with
// fewer than two values or more than shard.MaxValues (dropped). A file
// that is not such a table at all is an error. name is the file's name in
// messages.
func ParseLabelsCSV(data []byte, name string) (*Labeling, error) {
	if len(data) > MaxLabelsBytes {
		return nil, fmt.Errorf("labels %s: %d bytes, over the limit of %d", name, len(data), MaxLabelsBytes)
	}
	if !utf8.Valid(data) {
		return nil, fmt.Errorf("labels %s: not UTF-8 text", name)
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("labels %s: empty file (want a header row file,attr1,attr2,...)", name)
	}
	if err != nil {
		return nil, fmt.Errorf("labels %s: %w", name, err)
	}
	l := &Labeling{Source: name, Rows: map[string]*LabelRow{}}
	cols, err := l.csvHeader(header, name)
	if err != nil {
		return nil, err
	}
	rows, err := l.csvRows(r, cols, len(header), name)
	if err != nil {
		return nil, err
	}
	l.csvVocabulary(cols, rows, name)
	if len(l.Attributes) == 0 {
		return nil, fmt.Errorf("labels %s: no usable attribute column (each needs a name and 2..%d values)", name, shard.MaxValues)
	}
	return l, nil
}

func (l *Labeling) issue(kind, file string, line int, msg string) {
	l.Issues = append(l.Issues, shard.LabelIssue{Kind: kind, File: file, Row: line, Detail: msg})
}

// csvHeader checks the header row and returns the attribute columns.
func (l *Labeling) csvHeader(header []string, name string) ([]*csvColumn, error) {
	if len(header) > MaxLabelsColumns {
		return nil, fmt.Errorf("labels %s: %d columns, over the limit of %d", name, len(header), MaxLabelsColumns)
	}
	if strings.TrimSpace(header[0]) != "file" {
		return nil, fmt.Errorf("labels %s line 1: the first column is %q, want \"file\" (header row file,attr1,attr2,...)", name, printable(header[0]))
	}
	var cols []*csvColumn
	seen := map[string]bool{"file": true}
	for i, h := range header[1:] {
		h = strings.TrimSpace(h)
		if err := shard.CheckName(h); err != nil || seen[h] {
			why := "repeated"
			if err != nil {
				why = err.Error()
			}
			l.issue(IssueUnknownColumn, name, 1, fmt.Sprintf("%s line 1: column %d %q ignored: %s", name, i+2, printable(h), why))
			continue
		}
		seen[h] = true
		cols = append(cols, &csvColumn{name: h, index: i + 1, values: map[string]int{}})
	}
	return cols, nil
}

// csvRows reads the rows, keyed by file, first row of a file kept.
func (l *Labeling) csvRows(r *csv.Reader, cols []*csvColumn, width int, name string) (map[string]*csvRow, error) {
	rows := map[string]*csvRow{}
	for n := 0; ; n++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return rows, nil
		}
		if err != nil {
			return nil, fmt.Errorf("labels %s: %w", name, err)
		}
		if n >= MaxLabelsRows {
			return nil, fmt.Errorf("labels %s: more than %d rows", name, MaxLabelsRows)
		}
		line, _ := r.FieldPos(0)
		file, row, bad := l.csvRow(rec, cols, width, line, name)
		if bad {
			continue
		}
		if prev := rows[file]; prev != nil {
			if !slices.Equal(prev.cells, row.cells) {
				l.issue(IssueConflictingRow, file, line, fmt.Sprintf("%s line %d: %q again, with other labels than line %d (line %d kept)",
					name, line, printable(file), prev.line, prev.line))
			}
			continue
		}
		rows[file] = row
		for k, v := range row.cells {
			if v != "" {
				cols[k].values[v]++
			}
		}
	}
}

// csvRow reads one row; bad is true for a row that is ignored.
func (l *Labeling) csvRow(rec []string, cols []*csvColumn, width, line int, name string) (string, *csvRow, bool) {
	if len(rec) != width {
		l.issue(IssueBadRow, "", line, fmt.Sprintf("%s line %d: %d cells, the header has %d; row ignored", name, line, len(rec), width))
		return "", nil, true
	}
	file := strings.TrimSpace(rec[0])
	if file == "" || len(file) > MaxLabelFileName {
		l.issue(IssueBadRow, "", line, fmt.Sprintf("%s line %d: no file name, or one over %d bytes; row ignored", name, line, MaxLabelFileName))
		return "", nil, true
	}
	file = cleanName(file)
	row := &csvRow{line: line, cells: make([]string, len(cols))}
	for k, c := range cols {
		v := strings.TrimSpace(rec[c.index])
		if v == "" {
			continue
		}
		if err := shard.CheckValue(v); err != nil {
			l.issue(IssueBadRow, file, line, fmt.Sprintf("%s line %d: %s %s; taken as unknown", name, line, c.name, printable(err.Error())))
			continue
		}
		row.cells[k] = v
	}
	return file, row, false
}

// cleanName is the form of a file name that CSV rows and input names are
// matched in: slashes, no "./", no "a/../".
func cleanName(s string) string { return path.Clean(strings.ReplaceAll(s, "\\", "/")) }

// csvVocabulary keeps the columns with 2..MaxValues values (sorted as
// strings) and sets every row's label bytes.
func (l *Labeling) csvVocabulary(cols []*csvColumn, rows map[string]*csvRow, name string) {
	var keep []int
	for k, c := range cols {
		switch n := len(c.values); {
		case n < 2:
			l.issue(IssueOneValue, name, 1, fmt.Sprintf("%s: column %q has %d distinct values; dropped (an attribute needs 2 or more)", name, c.name, n))
			continue
		case n > shard.MaxValues:
			l.issue(IssueManyValues, name, 1, fmt.Sprintf("%s: column %q has %d distinct values; dropped (at most %d)", name, c.name, n, shard.MaxValues))
			continue
		}
		vals := make([]string, 0, len(c.values))
		for v := range c.values {
			vals = append(vals, v)
		}
		sort.Strings(vals)
		l.Attributes = append(l.Attributes, shard.Attribute{Name: c.name, Values: vals})
		keep = append(keep, k)
	}
	index := make([]map[string]byte, len(keep))
	for j, a := range l.Attributes {
		index[j] = map[string]byte{}
		for i, v := range a.Values {
			index[j][v] = byte(i + 1)
		}
	}
	for file, row := range rows {
		labels := make([]byte, len(keep))
		for j, k := range keep {
			labels[j] = index[j][row.cells[k]]
		}
		l.Rows[file] = &LabelRow{Line: row.line, Labels: labels}
	}
}
