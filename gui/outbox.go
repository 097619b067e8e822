package gui

import "sync"

// outbox sends a window's commands to its network goroutine without ever
// blocking the UI and without losing or reordering any: when the channel is
// full, commands queue here and one goroutine feeds them in order until the
// queue is empty. close (when the window is gone) stops that goroutine.
type outbox[C any] struct {
	ch      chan<- C
	mu      sync.Mutex
	queue   []C
	running bool
	quit    chan struct{}
	once    sync.Once
}

func newOutbox[C any](ch chan<- C) *outbox[C] {
	return &outbox[C]{ch: ch, quit: make(chan struct{})}
}

func (o *outbox[C]) send(c C) {
	if o.ch == nil {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.running {
		select {
		case o.ch <- c:
			return
		default:
		}
		o.running = true
		go o.drain()
	}
	o.queue = append(o.queue, c)
}

func (o *outbox[C]) drain() {
	var zero C
	for {
		o.mu.Lock()
		if len(o.queue) == 0 {
			o.running = false
			o.mu.Unlock()
			return
		}
		c := o.queue[0]
		o.queue[0] = zero
		o.queue = o.queue[1:]
		o.mu.Unlock()
		select {
		case o.ch <- c:
		case <-o.quit:
			return
		}
	}
}

// close stops the feeding goroutine (the window is gone).
func (o *outbox[C]) close() { o.once.Do(func() { close(o.quit) }) }
