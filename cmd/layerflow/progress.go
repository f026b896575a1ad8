package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/urfave/cli/v2"
)

// progress draws "[=====>    ] done/total  pct  rate  left" on one line of a terminal, at
// most ten times a second. A nil *progress draws nothing, so callers need not ask.
type progress struct {
	w     io.Writer
	unit  string
	start time.Time
	last  time.Time
	first int64
	drawn bool
}

// startProgress returns a progress line on the command's error stream when both of its
// streams are terminals (never in a pipe, a file or a batch job's log), else nil.
func startProgress(ctx *cli.Context, unit string) *progress {
	if !isTerminal(ctx.App.Writer) || !isTerminal(ctx.App.ErrWriter) {
		return nil
	}
	return &progress{w: ctx.App.ErrWriter, unit: unit, start: time.Now()}
}

// update shows done of total (total ≤ 0: unknown).
func (p *progress) update(done, total int64) {
	if p == nil {
		return
	}
	now := time.Now()
	if !p.drawn {
		p.first = done
	} else if now.Sub(p.last) < 100*time.Millisecond && done != total {
		return
	}
	p.drawn, p.last = true, now
	el := now.Sub(p.start).Seconds()
	rate := float64(done-p.first) / el
	if total <= 0 {
		fmt.Fprintf(p.w, "\r%d %s  %.4g %s/s   ", done, p.unit, rate, p.unit)
		return
	}
	const width = 30
	frac := float64(done) / float64(total)
	n := min(width, int(frac*width))
	bar := strings.Repeat("=", n)
	if n < width {
		bar += ">" + strings.Repeat(" ", width-n-1)
	}
	eta := "--:--"
	if rate > 0 {
		eta = clock(float64(total-done) / rate)
	}
	fmt.Fprintf(p.w, "\r[%s] %d/%d %5.1f%%  %.4g %s/s  left %s   ", bar, done, total, 100*frac, rate, p.unit, eta)
}

// finish ends the progress line.
func (p *progress) finish() {
	if p != nil && p.drawn {
		fmt.Fprintln(p.w)
	}
}
