package imageset

import (
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/toongan/toongan/pkg/shard"
)

func TestParseLabelsCSV(t *testing.T) {
	csv := "\ufefffile, hair ,glasses,Bad Name,hair,only,ids\n" +
		"a.png,red,yes,x,x,same,1\n" +
		"./sub/b.png,blue,,x,x,same,2\n" +
		"c.png,,no,x,x,same,3\n" +
		"a.png,red,yes,x,x,same,1\n" + // identical repeat: fine
		"c.png,red,no,x,x,same,4\n" + // conflicting repeat
		"d.png,dark red,no,x,x,same,5\n" + // bad value: unknown
		"e.png,red\n" + // ragged
		" ,red,no,x,x,same,6\n"
	for i := 7; i < 7+shard.MaxValues; i++ {
		csv += "f" + strconv.Itoa(i) + ".png,,,,,,id" + strconv.Itoa(i) + "\n"
	}
	l, err := ParseLabelsCSV([]byte(csv), "l.csv")
	if err != nil {
		t.Fatal(err)
	}
	want := []shard.Attribute{{Name: "hair", Values: []string{"blue", "red"}}, {Name: "glasses", Values: []string{"no", "yes"}}}
	if !reflect.DeepEqual(l.Attributes, want) {
		t.Errorf("attributes %+v", l.Attributes)
	}
	for file, labels := range map[string][]byte{"a.png": {2, 2}, "sub/b.png": {1, 0}, "c.png": {0, 1}, "d.png": {0, 1}} {
		if r := l.Rows[file]; r == nil || !reflect.DeepEqual(r.Labels, labels) {
			t.Errorf("%s: %+v, want %v", file, r, labels)
		}
	}
	kinds := map[string]int{}
	for _, is := range l.Issues {
		kinds[is.Kind]++
		if !strings.Contains(is.Detail, "l.csv") {
			t.Errorf("issue does not name the file: %q", is.Detail)
		}
	}
	wantKinds := map[string]int{IssueUnknownColumn: 2, IssueConflictingRow: 1, IssueBadRow: 3, IssueOneValue: 1, IssueManyValues: 1}
	if !reflect.DeepEqual(kinds, wantKinds) {
		t.Errorf("issues %v, want %v:\n%+v", kinds, wantKinds, l.Issues)
	}
	for _, s := range []string{"line 6: \"c.png\" again", "line 7: hair value \"dark red\"", "line 8: 2 cells", "column 5 \"hair\" ignored: repeated", "\"only\" has 1 distinct"} {
		found := false
		for _, is := range l.Issues {
			found = found || strings.Contains(is.Detail, s)
		}
		if !found {
			t.Errorf("no issue says %q: %+v", s, l.Issues)
		}
	}
}

func TestParseLabelsCSVErrors(t *testing.T) {
	for _, tc := range []struct{ csv, want string }{
		{"", "empty file"},
		{"name,hair\na,b\n", "want \"file\""},
		{"file,hair\na.png,red\nb.png,red\n", "no usable attribute"},
		{"file,hair\na.png,\"red\n", "extraneous or missing"},
		{"file,hair\n\xff,red\n", "not UTF-8"},
		{"file" + strings.Repeat(",x", MaxLabelsColumns) + "\n", "columns, over the limit"},
	} {
		_, err := ParseLabelsCSV([]byte(tc.csv), "bad.csv")
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "bad.csv") {
			t.Errorf("%q: %v, want an error naming bad.csv with %q", tc.csv, err, tc.want)
		}
	}
}

func FuzzParseLabelsCSV(f *testing.F) {
	f.Add([]byte("file,hair,glasses\na.png,red,yes\nb.png,blue,no\n"))
	f.Add([]byte("file,hair\na.png,red\na.png,blue\nb.png,\"x,y\"\n"))
	f.Add([]byte("\ufefffile,h,h\n,,\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := ParseLabelsCSV(data, "f.csv")
		if err != nil {
			return
		}
		for file, r := range l.Rows {
			if file == "" || len(r.Labels) != len(l.Attributes) {
				t.Fatalf("row %q: %d labels for %d attributes", file, len(r.Labels), len(l.Attributes))
			}
			for i, v := range r.Labels {
				if int(v) > len(l.Attributes[i].Values) {
					t.Fatalf("row %q: label %d of %d values", file, v, len(l.Attributes[i].Values))
				}
			}
		}
		for _, a := range l.Attributes {
			if err := shard.CheckName(a.Name); err != nil || len(a.Values) < 2 || len(a.Values) > shard.MaxValues {
				t.Fatalf("attribute %+v accepted: %v", a, err)
			}
			for _, v := range a.Values {
				if err := shard.CheckValue(v); err != nil {
					t.Fatal(err)
				}
			}
		}
	})
}
