package runlog

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	data := []byte(`{"step":1,"loss_d":1.2,"loss_g":0.8,"d_real":0.6,"d_fake":0.4,"extra":"ok"}

{"step":2,"loss_d":1.1}
{"step":3,"loss_d":`)
	es, skipped, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 2 || skipped != 1 || es[0].LossG != 0.8 || es[1].Step != 2 {
		t.Fatalf("entries %+v skipped %d", es, skipped)
	}
	if _, _, err := Read(filepath.Join(t.TempDir(), "none.jsonl")); err == nil || !strings.Contains(err.Error(), "none.jsonl") {
		t.Errorf("missing log: %v", err)
	}
}

func TestTrim(t *testing.T) {
	p := filepath.Join(t.TempDir(), FileName)
	w, err := Create(p, true)
	if err != nil {
		t.Fatal(err)
	}
	for s := 1; s <= 4; s++ {
		if err := w.Write(Entry{Step: s, LossD: float64(s)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"step":5,"loss`) // torn by a kill
	f.Close()
	if err := Trim(p, 2); err != nil {
		t.Fatal(err)
	}
	es, skipped, err := Read(p)
	if err != nil || skipped != 0 || len(es) != 2 || es[1].Step != 2 || es[1].LossD != 2 {
		t.Errorf("after Trim(2): %+v, %d skipped, %v", es, skipped, err)
	}
	if err := Trim(filepath.Join(t.TempDir(), "none"), 1); err != nil {
		t.Errorf("Trim of a missing log: %v", err)
	}
}
