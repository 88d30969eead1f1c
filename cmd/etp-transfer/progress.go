package main

import (
	"fmt"
	"io"
	"os"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
)

// bars shows one progress bar per array transfer (bytes, rate, ETA) on a
// terminal. It implements pipeline.Progress.
type bars struct{ p *mpb.Progress }

// newProgress returns progress bars for mode "on", none for "off", and for
// "auto" bars only when w is a terminal.
func newProgress(mode string, w io.Writer) (*bars, error) {
	switch mode {
	case "off":
		return nil, nil
	case "auto":
		if !isTerminal(w) {
			return nil, nil
		}
	case "on":
	default:
		return nil, usageError{fmt.Errorf("-progress %q: want auto, on or off", mode)}
	}
	return &bars{p: mpb.New(mpb.WithOutput(w), mpb.WithWidth(40))}, nil
}

// Start implements pipeline.Progress.
func (b *bars) Start(name string, total int64) (func(int64), func(bool)) {
	bar := b.p.AddBar(total,
		mpb.PrependDecorators(decor.Name(name, decor.WCSyncSpaceR), decor.CountersKibiByte("% .1f / % .1f")),
		mpb.AppendDecorators(decor.AverageSpeed(decor.SizeB1024(0), "% .1f"), decor.Name(" "), decor.OnComplete(decor.AverageETA(decor.ET_STYLE_GO), "done")),
	)
	return func(n int64) { bar.IncrInt64(n) }, func(ok bool) {
		if !ok {
			bar.Abort(false)
			return
		}
		bar.SetTotal(-1, true)
	}
}

// Wait waits for the bars to be drawn a last time.
func (b *bars) Wait() { b.p.Wait() }

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
