/*
 * Sluice's exactly-once commit protocol, as src/pipeline/ implements it.
 *
 * What is modelled (model/README.md maps every part to the code):
 *   - a bounded source of SPLITS splits (Kafka partitions, or files) of RECS records each;
 *     split s is owned by runner s % N (the ownership formula up to a rotation);
 *   - runner processes, each one runner index of a job at parallelism N;
 *   - per runner index a checkpoint lineage: epoch claims (create-if-absent), checkpoint
 *     records chk-<epoch>-<id> (create-if-absent), the `committed` marker, the `retired` marker;
 *   - part files: in-progress -> pending -> visible, or aborted;
 *   - the two-phase checkpoint: a barrier (position taken, file rolled), then, while the
 *     runner goes on reading into a new file: close, record, fence check, publish, marker;
 *   - a crash (SIGKILL) before every storage step, each followed by a restart of the index;
 *   - a second process of the same index started while the first still runs (a pod on a lost
 *     node, `sluice run` started twice): fencing;
 *   - rescales 2 -> 1 -> 2 (docs/decisions/0006): the old spec's runners are ended at any
 *     moment (the operator starts no runner of the new spec before they are gone), a vanished
 *     index's lineage is settled and retired by runner index % N, a runner takes another
 *     lineage's position only once it is settled.
 *
 * Properties (assertions over ghost state; each names itself when it fails):
 *   published_twice        no source record becomes visible twice;
 *   record_lost            when the last runner has ended, every source record is visible;
 *   visible_without_record no file becomes visible unless a checkpoint record naming it is
 *                          durable at that moment;
 *   unrecoverable          no process holding its lineage's newest epoch finds a file its
 *                          record names gone: the job would fail at every restart.
 *
 * The budgets (MAXCRASH, MAXZOMBIE, NPHASES, PAR1..3) are set per run: model/README.md lists
 * the runs the test makes and what each covers.
 *
 * Mutations (one at a time, -D on the spin command line), each reintroducing a bug the
 * project fixed; spin must report a counterexample for each:
 *   BUG_NO_RETIRE          before 8628c8c: a vanished lineage is never retired, and other
 *                          runners take its position from its committed marker; a scale-up
 *                          restores the lineage from a record whose splits resumed elsewhere
 *                          and publishes its files again;
 *   BUG_DROP_UNPUBLISHED   between 8628c8c and da4b343: retiring drops the records newer than
 *                          the marker instead of settling the lineage; a runner killed between
 *                          publishing and its marker leaves visible files whose records are
 *                          read again from the older position;
 *   BUG_PUBLISH_FIRST      files published before their checkpoint record is written;
 *   BUG_NO_OWN_RECORD      before the restore wrote a record of its own epoch: a fenced older
 *                          process's late record names a file the restore aborted, and once it
 *                          is the lineage's newest no restore can publish it (unrecoverable).
 */

#ifndef RECS
#define RECS      1      /* records per split */
#endif
#define SPLITS    2
#define NREC      (SPLITS * RECS)   /* source record (s, o) is bit s * RECS + o */
#define LIN       2      /* runner indexes that ever exist: the largest parallelism */
#ifndef MAXCRASH
#define MAXCRASH  0      /* SIGKILLs followed by a restart, over the whole run */
#endif
#ifndef MAXZOMBIE
#define MAXZOMBIE 0      /* second processes of an index started while the first still runs */
#endif
/* The parallelism of each phase: by default 2, then 1, then 2 (scale down, then up). */
#ifndef NPHASES
#define NPHASES   3
#endif
#ifndef PAR1
#define PAR1      2
#endif
#ifndef PAR2
#define PAR2      1
#endif
#ifndef PAR3
#define PAR3      2
#endif
#ifndef MAXR
#define MAXR      12     /* record slots per lineage */
#endif
#define MAXF      8      /* file slots per lineage: a byte holds a listing */
#define NONE      255

/* part file states (storage/types.ts: in-progress -> pending -> committed) */
#define F_INPROG  1
#define F_PENDING 2
#define F_VISIBLE 3
#define F_ABORTED 4

/* ---- storage ---- */
byte epoch[LIN];          /* highest epoch-<e> claimed in lineage l (0: no lineage directory yet) */
byte retired[LIN];        /* epoch named by lineage l's `retired` marker, 0: none */
byte marker[LIN];         /* record slot the lineage's `committed` marker names, NONE: none */

/* Checkpoint records chk-<epoch>-<id>: lineage l's are slots l*MAXR .. l*MAXR+nrecs[l]-1, so
   two runners writing in either order leave the same state. */
byte nrecs[LIN];
byte newest[LIN];         /* lineage l's newest record by (epoch, id): what CheckpointStore.latest reads */
byte r_ep[LIN * MAXR];
byte r_id[LIN * MAXR];
byte r_par[LIN * MAXR];       /* parallelism it was written at */
byte r_pos0[LIN * MAXR];      /* source position: next offset of split 0, 1 (own and carried) */
byte r_pos1[LIN * MAXR];
byte r_file[LIN * MAXR];      /* the file this checkpoint publishes, NONE: none */
bool r_fin[LIN * MAXR];       /* finished: bounded input consumed */
bool r_gone[LIN * MAXR];      /* deleted (only BUG_DROP_UNPUBLISHED deletes records) */

/* Part files part-<uuid>-<l>-<n>: lineage l's are slots l*MAXF .. l*MAXF+nfiles[l]-1. */
byte nfiles[LIN];
byte f_state[LIN * MAXF];
byte f_recs[LIN * MAXF];  /* source records it holds (bits) */

/* ---- ghost state for the properties ---- */
byte vis[NREC];           /* times source record k became visible */
bool published_twice;
bool record_lost;
bool visible_without_record;
bool unrecoverable;      /* the job failed: a file its newest record names is gone */

/* ---- the environment ---- */
byte crashes = MAXCRASH;
byte zombies = MAXZOMBIE;
byte alive;               /* runner processes not yet ended */
bool stopping;            /* the operator ends the old spec's runners (rescale) */
bool first_phase;
bool last_phase;          /* the final parallelism: runs to the end of input */

/* SIGKILL-and-restart: by default in the final phase only (earlier phases end with a kill of
   every runner at any step anyway, and their restores run in the next phase); with
   -DCRASH_ANY_PHASE in every phase (a bigger state space). */
#ifdef CRASH_ANY_PHASE
#define CRASH_NOW true
#else
#define CRASH_NOW last_phase
#endif
/* A second process of an index: by default in the first phase (its lineage then goes through
   the rescale); with -DZOMBIE_ANY_PHASE in every phase. */
#ifdef ZOMBIE_ANY_PHASE
#define ZOMBIE_NOW true
#else
#define ZOMBIE_NOW first_phase
#endif

/*
 * A crash point, before every step that writes storage (a crash right after a read is the same
 * as one before the next write): the process may be SIGKILLed (then restarted: the operator
 * restarts a failed pod, a user reruns `sluice run`), or ended by a rescale.
 */
#define CP \
	if \
	:: d_step { crashes > 0 && CRASH_NOW -> crashes-- }; printf("MSC: runner %d epoch %d: SIGKILL\n", idx, e); goto crashed \
	:: stopping -> printf("MSC: runner %d epoch %d: ended (rescale)\n", idx, e); goto gone \
	:: true \
	fi

/* Lineage l's newest record by (epoch, id), recomputed after records are deleted. */
inline latest(l, out) {
	out = NONE;
	i = l * MAXR;
	do
	:: i < l * MAXR + nrecs[l] ->
		if
		:: !r_gone[i] && (out == NONE || r_ep[i] > r_ep[out] || (r_ep[i] == r_ep[out] && r_id[i] > r_id[out])) -> out = i
		:: else
		fi;
		i++
	:: else -> break
	od;
	i = 0
}

/*
 * store.write of the record a restore (or a retirement) takes the lineage over with
 * (restore.ts, ownRecord): the content of record src under epoch ep, or an empty record (no
 * position, no file) when there is none. Written before anything is aborted, so no older
 * epoch's late record can sort above what this process restored. BUG_NO_OWN_RECORD leaves it
 * out (the code before it: a fenced process's late record made the lineage unrecoverable). A
 * retirement writes one too; the model cannot show it is needed there, since its operator
 * starts the next phase only once every process of the old one has ended, while a real pod on
 * a lost node may outlive its deletion.
 */
inline writeOwn(l, ep, src, out) {
	assert(nrecs[l] < MAXR);
	out = l * MAXR + nrecs[l]; nrecs[l]++;
	r_ep[out] = ep;
	if
	:: src != NONE -> r_id[out] = r_id[src]; r_par[out] = r_par[src]; r_pos0[out] = r_pos0[src]; r_pos1[out] = r_pos1[src]; r_file[out] = r_file[src]; r_fin[out] = r_fin[src]
	:: else -> r_id[out] = 0; r_par[out] = N; r_pos0[out] = 0; r_pos1[out] = 0; r_file[out] = NONE; r_fin[out] = false
	fi;
	printf("MSC: lineage %d epoch %d takes over record %d as record %d\n", l, ep, src, out);
	if
	:: newest[l] == NONE || ep > r_ep[newest[l]] || (ep == r_ep[newest[l]] && r_id[out] > r_id[newest[l]]) -> newest[l] = out
	:: else
	fi
}

/* Storage.listUncommitted(root, part-<uuid>-<l>-): lineage l's hidden files, as bits of lst. */
inline listUncommitted(l, lst) {
	lst = 0;
	i = 0;
	do
	:: i < nfiles[l] ->
		if
		:: f_state[l * MAXF + i] == F_INPROG || f_state[l * MAXF + i] == F_PENDING -> lst = lst | (1 << i)
		:: else
		fi;
		i++
	:: else -> break
	od;
	i = 0
}

/* Storage.abortPending on each listed file except `keep` (the restored record's file). */
inline abortListed(l, lst, keep) {
	i = 0;
	do
	:: i < nfiles[l] ->
		if
		:: (lst & (1 << i)) && l * MAXF + i != keep -> f_state[l * MAXF + i] = F_ABORTED
		:: else
		fi;
		i++
	:: else -> break
	od;
	i = 0
}

/*
 * A file becomes visible: Storage.commit (normal path) or commitAfterRecovery (restore: a file
 * already visible is fine). The ghost counters are updated here, the only place files appear.
 */
inline publish(f, recovery, lin, mine) {
	if
	:: f_state[f] == F_PENDING ->
		f_state[f] = F_VISIBLE;
		printf("MSC: file %d (records %d) visible\n", f, f_recs[f]);
		found = false;
		i = (f / MAXF) * MAXR;
		do
		:: i < (f / MAXF) * MAXR + nrecs[f / MAXF] -> if :: !r_gone[i] && r_file[i] == f -> found = true :: else fi; i++
		:: else -> break
		od;
		visible_without_record = visible_without_record || !found;
		found = false;
		assert(!visible_without_record);
		i = 0;
		do
		:: i < NREC ->
			if
			:: f_recs[f] & (1 << i) -> vis[i]++; published_twice = published_twice || vis[i] > 1; assert(!published_twice)
			:: else
			fi;
			i++
		:: else -> break
		od;
		i = 0
	:: f_state[f] == F_VISIBLE && recovery -> skip
	:: else ->
		/* "pending file ... missing" / "cannot recover ...": the process ends (exit 1). Harmless
		   for a process a newer epoch has superseded (it lost a race it would have learnt of at
		   its next fence check); for the lineage's newest epoch the job could never resume. */
		lost = true;
		printf("MSC: file %d (state %d) cannot be published\n", f, f_state[f]);
		unrecoverable = unrecoverable || epoch[lin] == mine;
		assert(!unrecoverable)

	fi
}

/*
 * CheckpointStore.settledRecord(N) of lineage l: settled if it has no record, if its marker
 * names its newest record, or if that record was written at the reader's own parallelism;
 * then the record to take positions from is the marker's.
 */
#define SETTLED(l) (newest[l] == NONE || marker[l] == newest[l] || r_par[newest[l]] == N)

proctype Runner(byte idx; byte N) {
	byte e;               /* this process's epoch */
	byte rec;             /* restored record */
	byte id;              /* last checkpoint id */
	byte pos[SPLITS];     /* reader position: next offset per split (carried for splits not owned) */
	byte cur;             /* open part file, NONE: none */
	byte st;              /* checkpoint in flight: 0 none, 1 close, 2 record, 3 fence, 4 publish, 5 marker */
	byte bits;            /* source records written into the open part file */
	byte cf, cid, cslot;  /* the checkpoint in flight: its file, id, record slot */
	byte cbits;           /* ... the records of its file */
	byte cpos[SPLITS];    /* ... and the position its barrier took */
	bool cfin;
	byte l, re, nw, i, s;
	byte lst;             /* a listing of the lineage's files, one bit each */
	bool found, lost;

start:
	/* A second process of this index, started now, runs beside this one: interleaving lets it
	   take its steps at any moment of this one's, so starting it here covers every moment. */
	if
	:: d_step { zombies > 0 && ZOMBIE_NOW -> zombies--; alive++ }; printf("MSC: runner %d: a second process starts\n", idx); run Runner(idx, N)
	:: true
	fi;
	rec = NONE; cur = NONE; st = 0; id = 0; pos[0] = 0; pos[1] = 0; bits = 0; cbits = 0; cf = NONE; cslot = 0; cid = 0; cfin = false;

	/* ---- JobRunner.restore ---- */
	CP;
	d_step { epoch[idx]++; e = epoch[idx]; printf("MSC: runner %d/%d claims epoch %d, restores record %d\n", idx, N, e, newest[idx]) }  /* store.claimEpoch */
	rec = newest[idx]                                           /* store.restorePoint */
	/* restorePoint: a record of this epoch or a newer one means a newer process (checkFence) */
	if :: rec != NONE && r_ep[rec] >= e -> printf("MSC: runner %d epoch %d fenced at restore\n", idx, e); goto fenced :: else fi;
	if
	:: rec != NONE && r_file[rec] != NONE ->
		CP;
		d_step { publish(r_file[rec], true, idx, e) }           /* commitAfterRecovery ('mid-recovery') */
		if :: lost -> goto failed :: else fi
	:: else
	fi;
#ifndef BUG_NO_OWN_RECORD
	CP;
	d_step { writeOwn(idx, e, rec, cslot); rec = cslot; cslot = 0 }   /* store.write(ownRecord(rec)) */
#endif
	d_step { listUncommitted(idx, lst) }                        /* listUncommitted(sink, part-<uuid>-<idx>-) */
	if :: epoch[idx] > e -> printf("MSC: runner %d epoch %d fenced\n", idx, e); goto fenced :: else fi  /* fenceCheck */
	CP;
	d_step { if :: rec != NONE -> abortListed(idx, lst, r_file[rec]) :: else -> abortListed(idx, lst, NONE) fi }  /* abort orphans */

#ifndef BUG_NO_RETIRE
	/* retireVanishedLineages: lineages l >= N with l % N == idx */
	l = N;
	do
	:: l < LIN ->
		if
		:: l % N == idx && epoch[l] > 0 && retired[l] != epoch[l] ->   /* retiredEpoch() === highestEpoch(): nothing ran since */
			CP;
			d_step { epoch[l]++; re = epoch[l]; printf("MSC: runner %d retires lineage %d (epoch %d)\n", idx, l, re) }  /* other.claimEpoch: fences a leftover process */
#ifndef BUG_DROP_UNPUBLISHED
			nw = newest[l]                                       /* other.restorePoint */
			if :: nw != NONE && r_ep[nw] >= re -> goto fenced :: else fi;   /* a newer retirer (its checkFence) */
			if
			:: nw != NONE && r_file[nw] != NONE ->
				CP;
				d_step { publish(r_file[nw], true, l, re) }       /* commitAfterRecovery of its files */
				if :: lost -> goto failed :: else fi
			:: else
			fi;
#ifndef BUG_NO_OWN_RECORD
			CP;
			d_step { writeOwn(l, re, nw, cslot); nw = cslot; cslot = 0 }   /* other.write(ownRecord(newest)) */
#endif
			d_step { listUncommitted(l, lst) }
			CP;
			d_step { if :: nw != NONE -> abortListed(l, lst, r_file[nw]) :: else -> abortListed(l, lst, NONE) fi }
			if
			:: nw != NONE -> CP; marker[l] = nw                  /* other.writeCommitted(markerFor(newest)) */
			:: else
			fi;
#else
			/* the bug: dropUnpublished — records newer than the marker deleted, every hidden file aborted */
			CP;
			d_step {
				i = l * MAXR;
				do
				:: i < l * MAXR + nrecs[l] ->
					if
					:: !r_gone[i] && (marker[l] == NONE || r_ep[i] > r_ep[marker[l]] || (r_ep[i] == r_ep[marker[l]] && r_id[i] > r_id[marker[l]])) -> r_gone[i] = true
					:: else
					fi;
					i++
				:: else -> break
				od;
				latest(l, nw);
				newest[l] = nw;
				nw = NONE
			}
			d_step { listUncommitted(l, lst) }
			CP;
			d_step { abortListed(l, lst, NONE) }
#endif
			CP;
			retired[l] = re                                      /* other.markRetired(epoch) */
		:: else
		fi;
		l++
	:: else -> break
	od;
#endif

	if
	:: rec != NONE -> CP; marker[idx] = rec                     /* writeCommitted(markerFor(rec)) */
	:: else
	fi;

	/* mergedSource: own position, merged by max with each other lineage's settled record */
	if
	:: rec != NONE -> pos[0] = r_pos0[rec]; pos[1] = r_pos1[rec]
	:: else
	fi;
	l = 0;
	do
	:: l < LIN ->
		if
		:: l != idx && epoch[l] > 0 ->                         /* store.lineages(): directories */
#if defined(BUG_NO_RETIRE) || defined(BUG_DROP_UNPUBLISHED)
			/* before da4b343: publishedRecord, the marker's record, never waited for */
			d_step { nw = marker[l] }
#else
			do                                                   /* settledRecordOf: wait for the next owner */
			:: atomic { SETTLED(l) -> nw = marker[l] }; break
			:: stopping -> goto gone                              /* ended while waiting */
			:: d_step { crashes > 0 && CRASH_NOW -> crashes-- }; goto crashed   /* or the wait's retriable timeout */
			:: unrecoverable -> goto failed                      /* the job failed elsewhere: the wait times out */
			od;
#endif
			atomic {   /* reader.mergePositions: per split the highest next offset */
				if
				:: nw != NONE ->
					if :: r_pos0[nw] > pos[0] -> pos[0] = r_pos0[nw] :: else fi;
					if :: r_pos1[nw] > pos[1] -> pos[1] = r_pos1[nw] :: else fi
				:: else
				fi;
				printf("MSC: runner %d takes lineage %d's record %d: positions %d %d\n", idx, l, nw, pos[0], pos[1]);
				nw = NONE
			}
		:: else
		fi;
		l++
	:: else -> break
	od;
	lst = 0; re = 0;

	/* run(): a finished job restarted publishes nothing more, but only at the parallelism its
	   record was written at (JobRunner.restore: `rec.parallelism === this.c.parallelism`): after
	   a change the runner's share holds other splits, which it must still read. BUG_FINISHED_SHORTCUT
	   is the code before 8a99774: the shortcut whatever the parallelism, so moved splits are never
	   read (record_lost). */
	if
#ifdef BUG_FINISHED_SHORTCUT
	:: rec != NONE && r_fin[rec] -> goto done
#else
	:: rec != NONE && r_fin[rec] && r_par[rec] == N -> goto done
#endif
	:: else
	fi;
	if :: rec != NONE -> id = r_id[rec] :: else fi;

	/* ---- JobRunner.run: the loop ---- */
	do
	/* poll → ... → sink: a record of an owned split into the open part file (opened on demand) */
	::	if
		:: 0 % N == idx && pos[0] < RECS -> s = 0
		:: 1 % N == idx && pos[1] < RECS -> s = 1
		fi;
		if
		:: cur == NONE ->
			d_step { assert(nfiles[idx] < MAXF); cur = idx * MAXF + nfiles[idx]; nfiles[idx]++; f_state[cur] = F_INPROG }  /* storage.open */
		:: else
		fi;
		d_step { bits = bits | (1 << (s * RECS + pos[s])); pos[s]++; s = 0 }   /* buffered: what the file will hold */

	/* checkpoint(): the barrier, once the previous checkpoint is complete (settleCheckpoint);
	   at end of input (every owned split read) the last one, marked finished */
	:: st == 0 && (cur != NONE || !((0 % N == idx && pos[0] < RECS) || (1 % N == idx && pos[1] < RECS))) ->
		d_step {
			cfin = !((0 % N == idx && pos[0] < RECS) || (1 % N == idx && pos[1] < RECS));
			id++; cid = id;                                      /* nextId */
			cpos[0] = pos[0]; cpos[1] = pos[1];                  /* reader.position() */
			cf = cur; cur = NONE; cbits = bits; bits = 0;        /* sink.beginSnapshot: every file rolled */
			st = 1
		}

	/* completeCheckpoint(), step by step, interleaved with the reads above */
	:: st == 1 ->
		if
		:: cf != NONE -> d_step { f_recs[cf] = cbits; cbits = 0; if :: f_state[cf] == F_INPROG -> f_state[cf] = F_PENDING :: else fi }  /* closeForCommit */
		:: else
		fi;
		st = 2
	:: st == 2 ->
#ifdef BUG_PUBLISH_FIRST
		if
		:: cf != NONE -> CP; d_step { publish(cf, false, idx, e) }
		:: else
		fi;
#endif
		CP;
		d_step {                                                 /* store.write (create-if-absent) */
			assert(nrecs[idx] < MAXR);
			cslot = idx * MAXR + nrecs[idx]; nrecs[idx]++;
			r_ep[cslot] = e; r_id[cslot] = cid; r_par[cslot] = N;
			r_pos0[cslot] = cpos[0]; r_pos1[cslot] = cpos[1]; r_file[cslot] = cf; r_fin[cslot] = cfin;
			printf("MSC: runner %d epoch %d writes record %d: id %d, positions %d %d, file %d\n", idx, e, cslot, cid, cpos[0], cpos[1], cf);
			if   /* a fenced older process's record sorts below a newer epoch's */
			:: newest[idx] == NONE || e > r_ep[newest[idx]] || (e == r_ep[newest[idx]] && cid > r_id[newest[idx]]) -> newest[idx] = cslot
			:: else
			fi;
			st = 3
		}
	:: st == 3 ->                                                /* 'after-record', 'after-record-with-files' */
		if :: epoch[idx] > e -> printf("MSC: runner %d epoch %d fenced\n", idx, e); goto fenced :: else -> st = 4 fi  /* fenceCheck */
	:: st == 4 ->
#ifndef BUG_PUBLISH_FIRST
		if
		:: cf != NONE ->
			CP;
			d_step { publish(cf, false, idx, e) }                /* storage.commit */
			if :: lost -> goto failed :: else fi
		:: else
		fi;
#endif
		st = 5
	:: st == 5 ->                                                /* 'before-marker' */
		CP;
		d_step { marker[idx] = cslot; printf("MSC: runner %d marker names record %d\n", idx, cslot); st = 0; cf = NONE; cpos[0] = 0; cpos[1] = 0 }  /* store.writeCommitted */
		if :: cfin -> goto done :: else fi
	od;

crashed:
	if
	:: stopping -> goto gone
	:: else -> goto start
	fi;
failed:                                                          /* a non-retriable error: exit 1 */
fenced:                                                          /* FencedError: exit 3, files left alone */
done:
gone:
	/* a process's variables stay in the state vector until its slot is reclaimed: clear them */
	skip;
	d_step {
		alive--;
		e = 0; rec = 0; id = 0; pos[0] = 0; pos[1] = 0; cur = 0; st = 0; bits = 0; cf = 0; cid = 0;
		cslot = 0; cbits = 0; cpos[0] = 0; cpos[1] = 0; cfin = false; l = 0; re = 0; nw = 0; i = 0; s = 0;
		lst = 0; found = false; lost = false
	}
}

init {
	byte ph, n, k;
	d_step { marker[0] = NONE; marker[1] = NONE; newest[0] = NONE; newest[1] = NONE }
	ph = 0;
	do
	:: ph < NPHASES ->
		n = (ph == 0 -> PAR1 : (ph == 1 -> PAR2 : PAR3));
		atomic {
			stopping = false;
			first_phase = (ph == 0);
			last_phase = (ph == NPHASES - 1);
			k = 0;
			do
			:: k < n -> alive++; run Runner(k, n); k++
			:: else -> break
			od
		}
		if
		:: ph < NPHASES - 1 -> stopping = true; printf("MSC: rescale: parallelism %d ends\n", n)  /* the rescale: at any moment */
		:: else
		fi;
		alive == 0 && _nr_pr == 1;                               /* the operator waits for every old runner */
		ph++
	:: else -> break
	od;
	/* the job has ended: every record visible exactly once */
	skip;   /* (a jump may not land on a d_step) */
	d_step {
		k = 0;
		do
		:: k < NREC -> record_lost = record_lost || vis[k] == 0; k++
		:: else -> break
		od
	}
	assert(!published_twice);
	assert(!visible_without_record);
	/* a failed job says so (exit 1, Stalled); only a job that ended well must have it all */
	assert(unrecoverable || !record_lost)
}
