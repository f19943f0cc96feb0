// Loading an experiment: refuse an empty file, read the TOML through viper,
// reject keys in the wrong case and unknown keys, apply --set overrides,
// decode and check.

package experiment

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"

	"github.com/pelletier/go-toml/v2"
	"github.com/spf13/viper"
)

// Load reads the experiment file at path, applies the overrides in sets
// (each "key=value": "link.rate=50Mbit/s", "flows[0].cc=reno"), fills in
// defaults and checks every setting. The error, if any, is one line naming the file or --set,
// the key, the value and what is allowed; a file that is not valid TOML
// gives a *SyntaxError with its line.
func Load(path string, sets []string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if err := checkNotEmpty(path, data); err != nil {
		return nil, err
	}
	return LoadBytes(path, data, sets)
}

// LoadBytes is Load for a document already in memory; name stands for its
// file name in errors, and the experiment name defaults to its base name
// without extension.
func LoadBytes(name string, data []byte, sets []string) (*Config, error) {
	return loadBytes(name, data, sets, false)
}

// loadBytes is LoadBytes; caseChecked says that the caller has parsed
// data and passed the document to checkCase with this name already, so
// parsing it again here would find the same and pass.
func loadBytes(name string, data []byte, sets []string, caseChecked bool) (*Config, error) {
	v, err := newViper(data)
	if err != nil {
		return nil, newSyntaxError(name, data, err)
	}
	var doc map[string]any
	if !caseChecked && toml.Unmarshal(data, &doc) == nil {
		if err := checkCase(name, doc); err != nil {
			return nil, err
		}
	}
	if err := checkKeys(v, name); err != nil {
		return nil, err
	}
	fromSet, err := applySets(v, name, sets)
	if err != nil {
		return nil, err
	}
	d := &decoder{source: name, tree: v.AllSettings(), fromSet: fromSet, read: make(map[string]bool)}
	c := d.decode(defaultName(name))
	if d.err != nil {
		return nil, d.err
	}
	return c, nil
}

// newViper reads a TOML document into a new viper instance.
func newViper(data []byte) (*viper.Viper, error) {
	v := viper.New()
	v.SetConfigType("toml")
	return v, v.ReadConfig(bytes.NewReader(data))
}

// defaultName is the experiment name a file gets when it does not set one:
// its base name without extension.
func defaultName(file string) string {
	base := filepath.Base(file)
	return strings.TrimSuffix(base, filepath.Ext(base))
}
