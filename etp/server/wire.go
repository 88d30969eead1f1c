package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/coder/websocket"
)

// wire is the transport of one session: whole binary messages in and out.
// Read is called by one goroutine only; Write may be called concurrently
// (the session serializes writes itself); Close and CloseNow may be called
// at any time, more than once.
type wire interface {
	// Read returns the next binary message in a buffer from the message
	// pool (getBuf), taken only once the message has started, so that an
	// idle session holds no buffer. The caller returns it with putBuf.
	Read(ctx context.Context) ([]byte, error)
	// Write sends p as one binary message in frames of at most frame bytes.
	Write(ctx context.Context, p []byte, frame int64) error
	// SetReadLimit sets the largest message Read accepts.
	SetReadLimit(n int64)
	// Close closes with a close handshake; CloseNow without.
	Close(code websocket.StatusCode, reason string) error
	CloseNow() error
}

// wsWire is a wire over a coder/websocket connection.
type wsWire struct {
	conn *websocket.Conn
}

var errTextMessage = errors.New("text WebSocket message: ETP 1.2 uses binary messages only")

func (w *wsWire) Read(ctx context.Context) ([]byte, error) {
	typ, r, err := w.conn.Reader(ctx)
	if err != nil {
		return nil, err
	}
	if typ != websocket.MessageBinary {
		return nil, errTextMessage
	}
	buf := getBuf(64 << 10)
	for {
		if len(buf) == cap(buf) {
			// Double; the read limit bounds the final size.
			buf = slices.Grow(buf, cap(buf))
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			putBuf(buf)
			return nil, err
		}
	}
}

func (w *wsWire) Write(ctx context.Context, p []byte, frame int64) error {
	if frame <= 0 || int64(len(p)) <= frame {
		return w.conn.Write(ctx, websocket.MessageBinary, p)
	}
	mw, err := w.conn.Writer(ctx, websocket.MessageBinary)
	if err != nil {
		return err
	}
	for len(p) > 0 {
		n := min(int64(len(p)), frame)
		if _, err := mw.Write(p[:n]); err != nil {
			_ = mw.Close()
			return fmt.Errorf("write frame: %w", err)
		}
		p = p[n:]
	}
	return mw.Close()
}

func (w *wsWire) SetReadLimit(n int64) { w.conn.SetReadLimit(n) }

func (w *wsWire) Close(code websocket.StatusCode, reason string) error {
	return w.conn.Close(code, reason)
}

func (w *wsWire) CloseNow() error { return w.conn.CloseNow() }
