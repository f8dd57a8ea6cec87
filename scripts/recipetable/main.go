// Command recipetable writes the markdown table of a scripts/recipes.sh run:
// one row per recipe, seed and time with eval's scores, then the mean over
// seeds of each recipe's SWD relative to the first recipe's at each time.
//
//	go run ./scripts/recipetable OUT > OUT/recipes.md
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

type row struct {
	recipe, seed, minutes, step, eval, grid string
	swd                                     []float64
	avg, gap, div                           float64
	trainGap, floor                         *float64 // eval's colour gap to the training images, and the holdout's
	flagged                                 int
	memoRatio                               float64
}

// report is the part of eval's report.json the table needs.
type report struct {
	Sources []struct {
		SWD struct {
			PerLevel []float64 `json:"per_level"`
			Avg      float64   `json:"avg"`
		} `json:"swd"`
		Colour *struct {
			Gap      float64  `json:"gap"`
			TrainGap *float64 `json:"train_gap"`
			Floor    *float64 `json:"floor"`
		} `json:"colour"`
	} `json:"sources"`
	Main         int `json:"main"`
	Memorisation *struct {
		Ratio   float64           `json:"ratio"`
		Flagged []json.RawMessage `json:"flagged"`
	} `json:"memorisation"`
	Diversity *struct {
		Ratio float64 `json:"ratio"`
	} `json:"diversity"`
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: recipetable OUT (the -o folder of scripts/recipes.sh)")
		os.Exit(2)
	}
	rows, unit, err := load(os.Args[1])
	if err == nil {
		err = write(os.Stdout, rows, unit)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "recipetable:", err)
		os.Exit(1)
	}
}

// load reads OUT/index.tsv and every report it names; unit is the name of
// the budget column ("minutes" or "steps").
func load(dir string) (rows []row, unit string, err error) {
	f, err := os.Open(filepath.Join(dir, "index.tsv"))
	if err != nil {
		return nil, "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for line := 0; sc.Scan(); line++ {
		c := strings.Split(sc.Text(), "\t")
		if len(c) != 6 {
			return nil, "", fmt.Errorf("index.tsv line %d: %d columns, want 6", line+1, len(c))
		}
		if line == 0 {
			unit = c[2]
			continue
		}
		r := row{recipe: c[0], seed: c[1], minutes: c[2], step: c[3], eval: c[4], grid: c[5]}
		b, err := os.ReadFile(filepath.Join(dir, r.eval, "report.json"))
		if err != nil {
			return nil, "", err
		}
		var rep report
		if err := json.Unmarshal(b, &rep); err != nil {
			return nil, "", fmt.Errorf("%s: %w", r.eval, err)
		}
		if rep.Main < 0 || rep.Main >= len(rep.Sources) {
			return nil, "", fmt.Errorf("%s: no main source", r.eval)
		}
		s := rep.Sources[rep.Main]
		r.swd, r.avg = s.SWD.PerLevel, s.SWD.Avg
		if s.Colour != nil {
			r.gap, r.trainGap, r.floor = s.Colour.Gap, s.Colour.TrainGap, s.Colour.Floor
		}
		if rep.Diversity != nil {
			r.div = rep.Diversity.Ratio
		}
		if rep.Memorisation != nil {
			r.flagged, r.memoRatio = len(rep.Memorisation.Flagged), rep.Memorisation.Ratio
		}
		rows = append(rows, r)
	}
	return rows, unit, sc.Err()
}

func write(w io.Writer, rows []row, unit string) error {
	if len(rows) == 0 {
		return fmt.Errorf("no runs in index.tsv")
	}
	fmt.Fprintf(w, "| recipe | seed | %s | step | SWD x1e3 per level | SWD avg | colour gap (to training) | diversity | copies flagged |\n", unit)
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|")
	for _, r := range rows {
		lv := make([]string, len(r.swd))
		for i, v := range r.swd {
			lv[i] = strconv.FormatFloat(v, 'f', 1, 64)
		}
		gap := strconv.FormatFloat(r.gap, 'f', 1, 64)
		if r.trainGap != nil {
			gap += fmt.Sprintf(" (%.1f)", *r.trainGap)
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %.1f | %s | %.2f | %d |\n",
			r.recipe, r.seed, r.minutes, r.step, strings.Join(lv, " / "), r.avg, gap, r.div, r.flagged)
	}
	if f := rows[0].floor; f != nil {
		fmt.Fprintf(w, "\nColour gap: the largest difference of a channel's mean (grey levels) from the held-out reals', and in brackets from the training images'. The held-out reals' own means differ from the training images' by up to %.1f: a generator that drew the training colours exactly would score that gap.\n", *f)
	}
	// Mean SWD over seeds per recipe and time, relative to the first recipe.
	type key struct{ recipe, minutes string }
	sum, cnt := map[key]float64{}, map[key]int{}
	var recipes, times []string
	seen := map[string]bool{}
	for _, r := range rows {
		k := key{r.recipe, r.minutes}
		sum[k] += r.avg
		cnt[k]++
		if !seen["r"+r.recipe] {
			seen["r"+r.recipe] = true
			recipes = append(recipes, r.recipe)
		}
		if !seen["t"+r.minutes] {
			seen["t"+r.minutes] = true
			times = append(times, r.minutes)
		}
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "Mean SWD avg over seeds, and its ratio to %s's at the same time:\n\n", recipes[0])
	fmt.Fprint(w, "| recipe |")
	for _, t := range times {
		fmt.Fprintf(w, " %s %s |", t, unit)
	}
	fmt.Fprint(w, "\n|---|")
	for range times {
		fmt.Fprint(w, "---|")
	}
	fmt.Fprintln(w)
	for _, rc := range recipes {
		fmt.Fprintf(w, "| %s |", rc)
		for _, t := range times {
			k, base := key{rc, t}, key{recipes[0], t}
			if cnt[k] == 0 || cnt[base] == 0 {
				fmt.Fprint(w, " – |")
				continue
			}
			m, b := sum[k]/float64(cnt[k]), sum[base]/float64(cnt[base])
			fmt.Fprintf(w, " %.1f (%.2fx) |", m, m/b)
		}
		fmt.Fprintln(w)
	}
	return nil
}
