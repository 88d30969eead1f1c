package hdf5

import (
	"container/list"
	"sync"
)

// defaultCacheBytes bounds the decoded chunks a File keeps.
const defaultCacheBytes = 4 << 20

// chunkCache is a byte-bounded LRU of decoded chunks keyed by their file
// address (unique within a file). Cached slices are never modified.
type chunkCache struct {
	mu    sync.Mutex
	limit int
	used  int
	lru   list.List
	items map[uint64]*list.Element
}

type cacheEntry struct {
	addr uint64
	data []byte
}

func newChunkCache(limit int) *chunkCache {
	return &chunkCache{limit: limit, items: map[uint64]*list.Element{}}
}

func (c *chunkCache) get(addr uint64) []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.items[addr]; ok {
		c.lru.MoveToFront(e)
		return e.Value.(*cacheEntry).data
	}
	return nil
}

func (c *chunkCache) put(addr uint64, data []byte) {
	if len(data) > c.limit/2 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.items[addr]; ok {
		return
	}
	c.items[addr] = c.lru.PushFront(&cacheEntry{addr, data})
	c.used += len(data)
	for c.used > c.limit {
		e := c.lru.Back()
		ce := e.Value.(*cacheEntry)
		c.lru.Remove(e)
		delete(c.items, ce.addr)
		c.used -= len(ce.data)
	}
}

func (c *chunkCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lru.Init()
	clear(c.items)
	c.used = 0
}
