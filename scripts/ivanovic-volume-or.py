#!/usr/bin/env python3
# Offline check of the error model's shift-volume odds ratio against Ivanovic (domain-parameters.md §4): recomputes
# each read's expected error in Results/default.sqlite under other volume odds ratios (pace held fixed) and prints
# the heavy/light ratio the validation test computes (10-hour shifts, classified by the shift's realised volume in
# CT equivalents; wRVU per modality as MarketDefaults.studyWRVU). Usage: python3 scripts/ivanovic-volume-or.py
import sqlite3, math, collections
db=sqlite3.connect('Results/default.sqlite')
w={'xr':0.22,'ct':1.82,'mr':2.23,'us':0.6,'mg':0.74,'nm':1.0,'pet':1.5}
rows=db.execute("""select s.run_id, s.radiologist, lower(s.modality), s.read_start_ticks, s.hours_into_shift, s.shift_volume, s.error_probability, s.measured, d.cohort
from market_studies s join (select distinct run_id, radiologist, cohort from radiologist_days) d on d.run_id=s.run_id and d.radiologist=s.radiologist
where s.outcome is not null and s.error_probability is not null""").fetchall()
H=3600e6
BASE=1.27  # the odds ratio Results/default.sqlite was run with (MarketModel Fatigue.oddsRatioPer10Studies)
vol=collections.Counter()
def key(r): return (r[0], r[1], round((r[3]-r[4]*H)/H))
for r in rows: vol[key(r)]+=w[r[2]]/1.82
ten={'general-day','neuro-day','msk','neuro-evening'}
for orr in [1.22,1.27,1.30,1.35,1.38]:
    sh=collections.defaultdict(float); n=collections.Counter()
    for r in rows:
        if not r[7] or r[8] not in ten: continue
        p=r[6]; x=math.log(p/(1-p)) + math.log(orr/BASE)*max(0,r[5]-26)/10
        p2=1/(1+math.exp(-x)); h=vol[key(r)]>26
        sh[h]+=p2; n[h]+=1
    print(orr, round((sh[True]/n[True])/(sh[False]/n[False]),3), n[True], n[False], round((sh[True]+sh[False])/(n[True]+n[False]),4))
