package main

import (
	"bufio"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"time"
)

// commit is the VCS revision, set at link time by
// go build -ldflags "-X main.commit=$(git rev-parse HEAD)" where the toolchain does not stamp
// it (GOFLAGS=-buildvcs=false, go run).
var commit string

// provenance is what a record says about the program and the machine that made it.
type provenance struct {
	Version string `json:"version"`
	// Commit is the VCS revision the binary was built from: the toolchain's stamp (with
	// "+dirty" for uncommitted changes), or the one given at link time, or "unknown".
	Commit  string   `json:"commit"`
	Go      string   `json:"go"`
	Machine string   `json:"machine"`
	Args    []string `json:"command_line"`
	Date    string   `json:"date"`
}

func newProvenance() provenance {
	p := provenance{Version: version, Commit: "unknown", Go: runtime.Version(), Args: os.Args,
		Date: time.Now().UTC().Format(time.RFC3339)}
	if bi, ok := debug.ReadBuildInfo(); ok {
		var rev, dirty string
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				if s.Value == "true" {
					dirty = "+dirty"
				}
			}
		}
		if rev != "" {
			p.Commit = rev + dirty
		}
	}
	if p.Commit == "unknown" && commit != "" {
		p.Commit = commit
	}
	p.Machine = runtime.GOOS + "/" + runtime.GOARCH + ", " + itoa(runtime.NumCPU()) + " CPUs"
	if cpu := cpuModel(); cpu != "" {
		p.Machine += ", " + cpu
	}
	return p
}

// cpuModel returns the processor's name from /proc/cpuinfo ("" elsewhere).
func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func itoa(n int) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(b[i:])
		}
	}
}
