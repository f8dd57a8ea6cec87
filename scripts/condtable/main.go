// Command condtable writes the markdown table of a scripts/condcheck.sh run:
// per seed, the unconditional and the conditional model's eval scores side
// by side, then per attribute the classifier's ceiling on held-out reals
// (each value counted once, as the accuracy counts it; and pooled, each
// value by its frequency), the conditional model's accuracy on faces asked
// for each value, and their ratio, with issue 11's acceptance bounds (ratio
// at least 0.9 for hair, glasses and hat; conditional SWD at most 1.1x the
// unconditional one).
//
//	go run ./scripts/condtable OUT > OUT/condcheck.md
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// report is the part of eval's report.json the table needs.
type report struct {
	Sources []struct {
		Step int `json:"step"`
		SWD  struct {
			PerLevel []float64 `json:"per_level"`
			Avg      float64   `json:"avg"`
		} `json:"swd"`
		Colour *struct {
			Gap float64 `json:"gap"`
		} `json:"colour"`
	} `json:"sources"`
	Main      int `json:"main"`
	Diversity *struct {
		Ratio float64 `json:"ratio"`
	} `json:"diversity"`
	Memorisation *struct {
		Flagged []json.RawMessage `json:"flagged"`
	} `json:"memorisation"`
	Conditioning []struct {
		Attribute string  `json:"attribute"`
		Ceiling   float64 `json:"ceiling"`
		Pooled    float64 `json:"ceiling_pooled"`
		Accuracy  float64 `json:"accuracy"`
		Ratio     float64 `json:"ratio"`
		Chance    float64 `json:"chance"`
		Generated int     `json:"generated"`
		Reals     int     `json:"reals"`
	} `json:"conditioning"`
}

// checked are the attributes issue 11's acceptance names.
var checked = []string{"hair", "glasses", "hat"}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: condtable OUT (the -o folder of scripts/condcheck.sh)")
		os.Exit(2)
	}
	if err := write(os.Stdout, os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "condtable:", err)
		os.Exit(1)
	}
}

func load(path string) (*report, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var r report
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if r.Main < 0 || r.Main >= len(r.Sources) {
		return nil, fmt.Errorf("%s: no main source", path)
	}
	return &r, nil
}

// seeds lists the seeds of OUT's eval/cond-sSEED folders.
func seeds(out string) ([]string, error) {
	m, err := filepath.Glob(filepath.Join(out, "eval", "cond-s*", "report.json"))
	if err != nil || len(m) == 0 {
		return nil, fmt.Errorf("%s: no eval/cond-s*/report.json (did condcheck.sh finish?)", out)
	}
	var s []string
	for _, p := range m {
		s = append(s, strings.TrimPrefix(filepath.Base(filepath.Dir(p)), "cond-s"))
	}
	slices.Sort(s)
	return s, nil
}

func write(w io.Writer, out string) error {
	ss, err := seeds(out)
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "| model | seed | step | SWD x1e3 64 / 32 / 16 px | SWD avg | colour gap | diversity | copies flagged |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|")
	pass := true
	var conds []*report
	for _, s := range ss {
		var avg [2]float64
		for i, kind := range []string{"uncond", "cond"} {
			r, err := load(filepath.Join(out, "eval", kind+"-s"+s, "report.json"))
			if err != nil {
				return err
			}
			src := r.Sources[r.Main]
			avg[i] = src.SWD.Avg
			fmt.Fprintf(w, "| %s | %s | %d | %s | %.1f | %s | %s | %s |\n", kind, s, src.Step,
				levels(src.SWD.PerLevel), src.SWD.Avg, gap(r), div(r), flagged(r))
			if i == 1 {
				conds = append(conds, r)
			}
		}
		ratio := avg[1] / avg[0]
		ok := ratio <= 1.1
		pass = pass && ok
		fmt.Fprintf(w, "\nSeed %s: conditional SWD / unconditional SWD = %.2f (at most 1.10: %s)\n\n", s, ratio, verdict(ok))
	}
	fmt.Fprintln(w, "| seed | attribute | ceiling (held-out reals, per value) | conditioning accuracy | ratio | chance | pooled ceiling | accuracy / pooled |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|")
	for i, r := range conds {
		for _, c := range r.Conditioning {
			mark := ""
			if slices.Contains(checked, c.Attribute) {
				ok := c.Ratio >= 0.9
				pass = pass && ok
				mark = " (at least 0.90: " + verdict(ok) + ")"
			}
			fmt.Fprintf(w, "| %s | %s | %.1f%% | %.1f%% | %.2f%s | %.1f%% | %s |\n", ss[i], c.Attribute,
				100*c.Ceiling, 100*c.Accuracy, c.Ratio, mark, 100*c.Chance, pooled(c.Pooled, c.Accuracy))
		}
	}
	fmt.Fprintf(w, "\nAcceptance (issue 11): %s\n", verdict(pass))
	return nil
}

func verdict(ok bool) string {
	if ok {
		return "holds"
	}
	return "FAILS"
}

func levels(v []float64) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = fmt.Sprintf("%.1f", x)
	}
	return strings.Join(s, " / ")
}

func gap(r *report) string {
	if c := r.Sources[r.Main].Colour; c != nil {
		return fmt.Sprintf("%.1f", c.Gap)
	}
	return "-"
}

func div(r *report) string {
	if r.Diversity != nil {
		return fmt.Sprintf("%.2f", r.Diversity.Ratio)
	}
	return "-"
}

func flagged(r *report) string {
	if r.Memorisation != nil {
		return fmt.Sprint(len(r.Memorisation.Flagged))
	}
	return "-"
}

// pooled is the pooled ceiling and the accuracy's ratio to it (reports
// from before eval measured it per value have none).
func pooled(ceiling, acc float64) string {
	if ceiling == 0 {
		return "– | –"
	}
	return fmt.Sprintf("%.1f%% | %.2f", 100*ceiling, acc/ceiling)
}
