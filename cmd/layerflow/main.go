// Command layerflow treats the training of deep linear networks as a dynamical system and
// checks numerically what the theory of layer imbalance claims about it.
package main

import (
	"os"
)

func main() {
	os.Exit(run(os.Args, os.Stdout, os.Stderr))
}
