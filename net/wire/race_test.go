//go:build race

package wire

// raceEnabled: the race detector slows the exhaustive sweeps tenfold; they
// sample instead.
const raceEnabled = true
