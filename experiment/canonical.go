package experiment

// Canonical is the resolved form of c, as WriteResolved writes it: every
// setting with its value, defaults included, in schema order. Two configs
// that run the same experiment have the same canonical form, whichever
// defaults their files left out, so tools that match runs by settings
// (ccbench compare) read results written before a setting existed as if
// it had its default.
func (c *Config) Canonical() []byte { return c.resolvedTOML() }
