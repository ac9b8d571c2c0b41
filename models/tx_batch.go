package models

import "context"

// Batch lets the hooks that run in one transaction put work off to the
// end of it, after the last hook and before the commit, so that like work
// is done once: the job queue inserts every job a new lead's hooks queue
// (its emails, its webhook events) in one statement, a round trip to
// PostgreSQL instead of one per hook. See Tx.Batch.
type Batch struct {
	keys   []any
	values []any
	finish []func(context.Context, Tx, any) error
}

// Defer returns the value kept under key. The first call for key makes it
// with start and registers finish, which runs once at the end with the
// value, in a Tx without a Batch, so that what it does happens at once.
// Calls for different keys finish in the order of their first call.
func (b *Batch) Defer(key any, start func() any, finish func(ctx context.Context, tx Tx, value any) error) any {
	for i, k := range b.keys {
		if k == key {
			return b.values[i]
		}
	}
	v := start()
	b.keys, b.values, b.finish = append(b.keys, key), append(b.values, v), append(b.finish, finish)
	return v
}

// runHooks runs a new lead's hooks in tx with a Batch, then the work they
// put off, all before the transaction commits: if any fails, nothing is
// saved.
func runHooks(ctx context.Context, tx Tx, lead *Lead, hooks []TxHook) error {
	if len(hooks) == 0 {
		return nil
	}
	b := &Batch{}
	tx.Batch = b
	for _, hook := range hooks {
		if err := hook(ctx, tx, lead); err != nil {
			return err
		}
	}
	tx.Batch = nil
	for i := range b.keys {
		if err := b.finish[i](ctx, tx, b.values[i]); err != nil {
			return err
		}
	}
	return nil
}
