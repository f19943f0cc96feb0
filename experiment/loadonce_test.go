package experiment

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLoadSweepChecksCaseOnce: LoadSweepBytes, which checks the case of
// a file's keys once, gives what it gives when the check is repeated
// while loading (the same configs, or the same error) for every shipped
// experiment and for versions of them with a key or table in the wrong
// case, a duplicate or unknown key, a syntax error, or overrides.
func TestLoadSweepChecksCaseOnce(t *testing.T) {
	var files []string
	filepath.WalkDir(filepath.Join("..", "experiments"), func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".toml") {
			files = append(files, path)
		}
		return err
	})
	if len(files) < 10 {
		t.Fatalf("found %d experiments", len(files))
	}
	defer func() { recheckCase = false }()
	load := func(path string, data []byte, sets []string, recheck bool) string {
		recheckCase = recheck
		sw, err := LoadSweepBytes(path, data, sets)
		if err != nil {
			return "error: " + err.Error()
		}
		var b strings.Builder
		for _, p := range sw.Points {
			b.WriteString(p.Run + "\n")
			b.Write(p.Config.Canonical())
		}
		return b.String()
	}
	n := 0
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		variants := [][]byte{
			data,
			bytes.Replace(data, []byte("\nduration"), []byte("\nDuration"), 1),
			bytes.Replace(data, []byte("[link]"), []byte("[Link]"), 1),
			bytes.Replace(data, []byte("rate ="), []byte("Rate ="), 1),
			bytes.Replace(data, []byte("\nseed"), []byte("\nseed = 1\nseed"), 1),
			bytes.Replace(data, []byte("\nseed"), []byte("\nunknown_key = 3\nseed"), 1),
			append(bytes.Clone(data), []byte("\n[tcp\n")...),
		}
		for _, sets := range [][]string{nil, {"seed=7"}, {"Seed=7"}} {
			for _, v := range variants {
				got, want := load(path, v, sets, false), load(path, v, sets, true)
				n++
				if got != want {
					t.Fatalf("%s %v: checking the case once gives\n%.300s\nchecking it again\n%.300s", path, sets, got, want)
				}
			}
		}
	}
	t.Logf("%d loads compared", n)
}

// TestLoadSweepRefusesEmptyAsCheckNotEmpty: LoadSweep, which tells an
// empty file from the document it parses, fails exactly when
// checkNotEmpty does, with its error, and otherwise gives
// LoadSweepBytes's result.
func TestLoadSweepRefusesEmptyAsCheckNotEmpty(t *testing.T) {
	docs := []string{
		"", "\n", "# only a comment\n", "  # two\n# comments\n", "[link]\n", "duration = \"1s\"\n",
		"not toml [\n", "[sweep]\n", "repetitions = 2\n", string(must(os.ReadFile(filepath.Join("..", "experiments", "bottleneck.toml")))),
	}
	for i, doc := range docs {
		path := filepath.Join(t.TempDir(), "e.toml")
		if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		_, got := LoadSweep(path, nil)
		want := checkNotEmpty(path, []byte(doc))
		if want == nil {
			_, want = LoadSweepBytes(path, []byte(doc), nil)
		}
		if (got == nil) != (want == nil) || got != nil && got.Error() != want.Error() {
			t.Errorf("document %d %q: LoadSweep error %v, want %v", i, doc[:min(len(doc), 20)], got, want)
		}
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
