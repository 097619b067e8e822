package server

import (
	"net"
	"sync"
)

// records sits between a TLS connection and its socket and gathers the
// records of one writer write into one socket write. crypto/tls writes each
// record (at most 16 KiB of plaintext) with a write of its own: a 32 KiB
// file chunk took three system calls, which cost more than sealing it. The
// writer gathers around each write (gather, send); any other write (the
// handshake, a close_notify, a TLS 1.3 key update answered by the reader)
// goes straight through, or with the gathered ones if it comes meanwhile.
type records struct {
	net.Conn
	mu   sync.Mutex
	hold bool
	buf  *[]byte // what was gathered, from recordBufs; nil when empty
}

func (r *records) Write(p []byte) (int, error) {
	r.mu.Lock()
	if !r.hold {
		r.mu.Unlock()
		return r.Conn.Write(p)
	}
	defer r.mu.Unlock()
	if r.buf == nil {
		r.buf = recordBufs.Get().(*[]byte)
	}
	*r.buf = append(*r.buf, p...)
	return len(p), nil
}

// recordBufs hold gathered records: a writer's write of at most maxWrite
// bytes, sealed (each record adds 22 bytes).
var recordBufs = sync.Pool{New: func() any {
	b := make([]byte, 0, maxWrite+1<<10)
	return &b
}}

// gather starts gathering the records written.
func (r *records) gather() {
	r.mu.Lock()
	r.hold = true
	r.mu.Unlock()
}

// send writes what was gathered in one write and stops gathering.
func (r *records) send() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.hold = false
	if r.buf == nil {
		return nil
	}
	_, err := r.Conn.Write(*r.buf)
	*r.buf = (*r.buf)[:0]
	if cap(*r.buf) <= 2*maxWrite {
		recordBufs.Put(r.buf)
	}
	r.buf = nil
	return err
}
