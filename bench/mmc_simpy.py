"""M/M/c queue in SimPy 4: the peer for ReadChain's kernel benchmark (bench/README.md).

The same model as `MMcQueue` in Sources/Studies/QueueModel.swift: Poisson arrivals at rate
lambda, c servers with exponential service at rate mu each, FIFO. It runs until `customers`
customers have arrived and prints one line: `simpy customers=<n> seconds=<s> rate=<n/s> mean_wait=<w>`.

It is written the way SimPy's own documentation writes such a model (a Resource and one process per
customer), which is how a SimPy user would build it.
"""
import argparse
import random
import time

import simpy


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--customers", type=int, default=2_000_000)
    ap.add_argument("--lam", type=float, default=9.0)
    ap.add_argument("--mu", type=float, default=1.0)
    ap.add_argument("--servers", type=int, default=10)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()

    rng = random.Random(a.seed)
    env = simpy.Environment()
    servers = simpy.Resource(env, capacity=a.servers)
    waits = [0.0, 0]  # sum, count

    def customer(env):
        arrived = env.now
        with servers.request() as req:
            yield req
            waits[0] += env.now - arrived
            waits[1] += 1
            yield env.timeout(rng.expovariate(a.mu))

    def source(env):
        for _ in range(a.customers):
            yield env.timeout(rng.expovariate(a.lam))
            env.process(customer(env))

    env.process(source(env))
    start = time.perf_counter()
    env.run()
    seconds = time.perf_counter() - start
    print(f"simpy customers={a.customers} seconds={seconds:.3f} rate={a.customers / seconds:.0f} "
          f"mean_wait={waits[0] / max(waits[1], 1):.4f}")


if __name__ == "__main__":
    main()
