//go:build !unix

package main

import "os"

// limitMemory does nothing where there is no setrlimit.
func limitMemory(uint64) {}

// peakRSS returns 0: the resident set is not known here.
func peakRSS(*os.ProcessState) int64 { return 0 }

func limitFileSize(uint64) {}
