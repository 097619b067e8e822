// Package gui holds MultiChat's two windows, the server's and the client's.
// Each window talks to its network goroutines only through channels: user
// actions become commands sent without blocking, and a pump hands incoming
// events to the window on Fyne's goroutine. The window's apply method is the
// only code that changes its widgets. gui never opens a socket.
package gui

import "fyne.io/fyne/v2"

// maxBatch bounds how many events one fyne.Do call applies, so that a flood
// cannot hold Fyne's goroutine for long in one go.
const maxBatch = 512

// pump reads events until the channel is closed and applies them on Fyne's
// goroutine. A burst is taken as one batch: it blocks for one event, then takes
// whatever else is already queued (up to maxBatch) and hands the batch to apply
// in a single call on Fyne's goroutine, so that a flood costs one refresh, not
// one per event. It waits for each batch to be applied before it takes the
// next (fyne.DoAndWait): while the UI is busy (drawing a frame, applying a
// batch) events pile up in the channel and become the next, bigger batch. With
// fyne.Do the pump would outrun a slow UI and queue one-event batches, and the
// driver, which runs about one queued function per frame when frames are slow,
// would fall ever further behind.
// The returned channel is closed after the last batch has been applied.
func pump[E any](events <-chan E, apply func([]E)) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ev := range events {
			batch := batchFrom(ev, events)
			fyne.DoAndWait(func() { apply(batch) })
		}
	}()
	return done
}

// batchFrom returns first and whatever else is already queued in events, up
// to maxBatch in all. It never waits.
func batchFrom[E any](first E, events <-chan E) []E {
	batch := make([]E, 1, 16)
	batch[0] = first
	for len(batch) < maxBatch {
		select {
		case ev, ok := <-events:
			if !ok {
				return batch
			}
			batch = append(batch, ev)
		default:
			return batch
		}
	}
	return batch
}
