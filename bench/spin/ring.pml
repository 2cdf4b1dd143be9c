/* Store buffering around a ring of N CPUs under TSO, as bench/ring.ts: CPU i buffers
   x[i] = 1, optionally fences (waits for its buffer to drain), then reads x[(i+1) % N]. */
#ifndef N
#define N 6
#endif
bit x[N];
bit pend[N];      /* CPU i's store of x[i] = 1 still in its store buffer */
byte r[N];        /* 2: not read yet */
byte done;

proctype P(byte i) {
  pend[i] = 1;
#ifdef MB
  (pend[i] == 0);
#endif
  r[i] = x[(i + 1) % N];
  done++
}

proctype Drain(byte i) {
  (pend[i] == 1) -> atomic { x[i] = 1; pend[i] = 0 }
}

init {
  byte i;
  for (i : 0 .. N-1) { r[i] = 2 }
  atomic { for (i : 0 .. N-1) { run P(i); run Drain(i) } }
  (done == N);
  i = 0;
  do
  :: i < N && r[i] == 0 -> i++
  :: else -> break
  od;
  assert(i < N)
}
