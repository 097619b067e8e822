package gui

import (
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/multichat/multichat/net/client"
)

// TestIMEEnter replays what ibus-hangul does through XIM when Enter ends a
// syllable: GLFW hands the Enter key over at once, and the input method's
// commit of the syllable comes after it as text with no key of its own.
// The message keeps that syllable; a key pressed after Enter, or the wait
// running out, sends what is there.
func TestIMEEnter(t *testing.T) {
	imeWait = time.Minute // only a commit or a key ends the wait here
	t.Cleanup(func() { imeWait = 0 })
	w, cmds := newTestClient(t, ClientOptions{})
	connectAs(t, w, cmds, "bob")
	w.win.Canvas().Focus(w.input)

	test.Type(w.input, "한")
	w.input.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	noCmd(t, cmds)
	w.input.TypedRune('글') // the commit
	if say, ok := nextCmd(t, cmds).(client.Say); !ok || say.Text != "한글" {
		t.Fatalf("sent %#v, want 한글", say)
	}
	if w.input.Text != "" {
		t.Fatalf("entry %q after sending", w.input.Text)
	}

	// Nothing composing: the next key sends first, then types.
	test.Type(w.input, "hi")
	w.input.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	noCmd(t, cmds)
	w.input.KeyDown(&fyne.KeyEvent{Name: fyne.KeyA})
	if say, ok := nextCmd(t, cmds).(client.Say); !ok || say.Text != "hi" {
		t.Fatalf("sent %#v, want hi", say)
	}
	test.Type(w.input, "a")
	if w.input.Text != "a" {
		t.Fatalf("entry %q, want the key typed after sending", w.input.Text)
	}

	// Or once the wait is over: the timer hands the submit to the UI
	// goroutine (here, this test's).
	imeWait = 10 * time.Millisecond
	timers := make(chan func(), 1)
	setUILater(func(f func()) { timers <- f })
	t.Cleanup(func() { setUILater(func(func()) {}) })
	w.input.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	noCmd(t, cmds)
	select {
	case f := <-timers:
		f()
	case <-time.After(5 * time.Second):
		t.Fatal("the wait never ended")
	}
	if say, ok := nextCmd(t, cmds).(client.Say); !ok || say.Text != "a" {
		t.Fatalf("sent %#v after the wait, want a", say)
	}
}
