// Package seed fills a register with a deterministic synthetic population
// of one province (internal/synth) for demos and benchmarks: the same
// options always give the same persons, households and ID numbers.
package seed

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/dancu-vn/dancu/internal/apperr"
	"github.com/dancu-vn/dancu/internal/idnum"
	"github.com/dancu-vn/dancu/internal/register"
	"github.com/dancu-vn/dancu/internal/store"
	"github.com/dancu-vn/dancu/internal/synth"
	"github.com/dancu-vn/dancu/internal/units"
)

// Options say what to generate.
type Options struct {
	Province  string // 2-digit province code of the 2025 structure
	People    int
	Seed      uint64
	Today     string // reference date, YYYY-MM-DD; fixed so that output is reproducible
	BatchSize int    // persons per transaction
	// Progress, if set, is called after each batch with the persons written.
	Progress func(done int)
}

// Result counts what was written.
type Result struct {
	Persons    int
	Households int
	Elapsed    time.Duration
}

// Officer is the actor recorded on seeded events.
const Officer = "system:seed"

// Run generates and writes the population.
func Run(ctx context.Context, db *store.DB, opt Options) (Result, error) {
	start := time.Now()
	if opt.BatchSize <= 0 {
		opt.BatchSize = 5000
	}
	if opt.Today == "" {
		opt.Today = register.Today(time.Now())
	}
	prov, ok := units.Find(opt.Province, units.Province, opt.Today)
	if !ok {
		return Result{}, apperr.Field(apperr.InvalidUnit, "province", "%q is not a province code valid on %s", opt.Province, opt.Today)
	}
	var communes []synth.Commune
	for _, c := range units.CommunesOf(prov.Code, opt.Today) {
		communes = append(communes, synth.Commune{Code: c.Code, Name: c.Name})
	}
	gen, err := synth.New(synth.Config{
		Communes: communes, BirthProvinces: birthProvinces(prov.Code), People: opt.People, Seed: opt.Seed, Today: opt.Today,
	})
	if err != nil {
		return Result{}, fmt.Errorf("seed: %w", err)
	}
	w := &writer{db: db, opt: opt, prov: prov.Code, alloc: newAllocator(opt.Seed), now: db.Now().UTC()}
	err = w.pipeline(ctx, gen)
	w.res.Elapsed = time.Since(start)
	return w.res, err
}

// writers is how many batches are written at once. PostgreSQL spends its
// time in the server backend, one core per connection, so two writers
// keep a two-core machine busy; SQLite has a single writer anyway.
func writers(db *store.DB) int {
	if db.Engine == store.Postgres {
		return 2
	}
	return 1
}

// pipeline generates batches in this goroutine while writers commit the
// previous ones.
func (w *writer) pipeline(ctx context.Context, gen *synth.Generator) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan *store.Batch, 2)
	errc := make(chan error, writers(w.db))
	var mu sync.Mutex
	for i := 0; i < cap(errc); i++ {
		go func() {
			for b := range batches {
				if err := w.db.InsertBatch(ctx, b); err != nil {
					cancel()
					errc <- fmt.Errorf("seed: write batch: %w", err)
					for range batches {
					}
					return
				}
				mu.Lock()
				w.res.Persons += len(b.Records)
				w.res.Households += len(b.Households)
				if w.opt.Progress != nil {
					w.opt.Progress(w.res.Persons)
				}
				mu.Unlock()
			}
			errc <- nil
		}()
	}
	var genErr error
	batch := &store.Batch{}
	for ctx.Err() == nil {
		h, ok := gen.Next()
		if !ok {
			break
		}
		if genErr = w.add(batch, h); genErr != nil {
			break
		}
		if len(batch.Records) >= w.opt.BatchSize {
			batches <- batch
			batch = &store.Batch{}
		}
	}
	if genErr == nil && ctx.Err() == nil && len(batch.Records) > 0 {
		batches <- batch
	}
	close(batches)
	errs := []error{genErr}
	for i := 0; i < cap(errc); i++ {
		errs = append(errs, <-errc)
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	return ctx.Err()
}

// birthProvinces returns the ID-number province codes of the legacy
// provinces merged into a 2025 province, the one that kept the code first.
func birthProvinces(province string) []string {
	first := register.IDProvinceFor(province)
	out := []string{first}
	for _, m := range units.Mappings() {
		if m.Level == units.Province && m.NewCode == province && "0"+m.LegacyCode != first {
			out = append(out, "0"+m.LegacyCode)
		}
	}
	return out
}

type writer struct {
	db    *store.DB
	opt   Options
	prov  string
	alloc *allocator
	now   time.Time
	res   Result
}

var seedLegal = register.LegalBasis{DocumentNo: "SYNTHETIC", DocumentDate: "2026-01-01", Issuer: "dancu seed (synthetic data, not real persons)"}

// add converts one synthetic household into register records.
func (w *writer) add(batch *store.Batch, h synth.Household) error {
	ids := make(map[int]string, len(h.Members))
	for _, m := range h.Members {
		n, err := w.alloc.next(m.BirthProvince, m.Gender, register.Date(m.BirthDate).Year())
		if err != nil {
			return err
		}
		ids[m.Key] = n
	}
	hid := fmt.Sprintf("hh_%s_%x_%d", w.prov, w.opt.Seed, h.Key)
	batch.Households = append(batch.Households, &register.Household{
		ID: hid, HeadID: ids[h.HeadKey], Commune: h.CommuneCode, Province: w.prov, Address: h.Address, CreatedAt: w.now, UpdatedAt: w.now,
	})
	for _, m := range h.Members {
		p := w.person(m, ids, hid)
		// The store makes the payload from the record's JSON (one encoding).
		ev := &register.Event{PersonID: p.IDNumber, Seq: 1, Kind: register.KindInitial, EffectiveDate: register.Date(register.Date(m.BirthDate).Earliest()),
			RecordedAt: w.now, Officer: Officer, Legal: seedLegal}
		batch.Records = append(batch.Records, register.Record{Event: ev, Person: p})
	}
	return nil
}

func (w *writer) person(m synth.Person, ids map[int]string, hid string) *register.Person {
	birthPlace, _ := idnum.ProvinceName(m.BirthProvince)
	hometown, _ := idnum.ProvinceName(m.HometownProvince)
	res := &register.Residence{Commune: m.CommuneCode, Province: w.prov, Address: m.Address, Since: register.Date(m.BirthDate)}
	p := &register.Person{
		IDNumber: ids[m.Key], FullName: m.FullName, Gender: m.Gender, BirthDate: register.Date(m.BirthDate),
		BirthPlace: birthPlace, BirthProvince: m.BirthProvince, Hometown: hometown, Ethnicity: m.Ethnicity,
		Religion: m.Religion, Nationality: "VN", Status: register.Status(m.Status), DeathDate: register.Date(m.DeathDate),
		HouseholdID: hid, RelationToHead: m.RelationToHead, Permanent: res, Current: res,
		Version: 1, CreatedAt: w.now, UpdatedAt: w.now,
	}
	if p.Status == register.Missing {
		p.MissingSince = register.Date(m.DeathDate)
	}
	p.FatherID, p.MotherID, p.SpouseID = ids[m.FatherKey], ids[m.MotherKey], ids[m.SpouseKey]
	return p
}
