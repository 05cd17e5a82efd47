#!/bin/bash
# The default study's levels beyond ../shared/tools/market-levels.py, per design after the warm-up (day 7):
# pace and its floor, errors and major discrepancies per study read, stroke CT within 45 min, wRVU per shift day,
# reading share and income per shift hour, turnaround and never-reported share by urgency, hours into shift at
# error, and errors by shift volume (Ivanovic). Usage: scripts/market-levels-extra.sh Results/default.sqlite
DB=$1
sqlite3 -header -column "$DB" "
with runs_ as (select id, variant from runs where status='finished')
select r.variant as design,
  round(avg(s.pace),4) as mean_pace,
  round(avg(s.pace <= 0.801),3) as at_floor,
  round(avg(case when lower(s.outcome) like '%false%' then 1.0 else 0 end),4) as err_per_study,
  round(avg(case when s.outcome='falseNegative' and s.discrepancy=2 then 1.0 else 0 end),4) as major_per_study
from market_studies s join runs_ r on r.id=s.run_id where s.measured=1 and s.outcome is not null group by r.variant;"
sqlite3 -header -column "$DB" "
with runs_ as (select id, variant from runs where status='finished')
select r.variant as design,
  round(avg(case when (s.report_committed_ticks - s.arrival_ticks) <= 2700000000 then 1.0 else 0 end),3) as stroke_within_45min,
  count(*) as stroke_n
from market_studies s join runs_ r on r.id=s.run_id where s.measured=1 and s.subspecialty='neuro' and lower(s.urgency)='stat' group by r.variant;"
sqlite3 -header -column "$DB" "
with runs_ as (select id, variant from runs where status='finished')
select r.variant as design, round(avg(d.wrvu),1) as wrvu_per_shift_day, round(sum(d.hours_reading)/sum(d.hours_on_shift),3) as utilisation,
  round(sum(d.income_minor)/100.0/sum(d.hours_on_shift),1) as income_per_shift_hour
from radiologist_days d join runs_ r on r.id=d.run_id where d.hours_on_shift>0 and d.day>=7 group by r.variant;"
sqlite3 -header -column "$DB" "
with runs_ as (select id, variant from runs where status='finished')
select r.variant as design, lower(s.urgency) as urgency,
  round(avg((s.report_committed_ticks - s.arrival_ticks)/3.6e9),2) as mean_tat_h_reported,
  round(avg(s.report_committed_ticks is null),4) as not_reported
from market_studies s join runs_ r on r.id=s.run_id where s.measured=1 group by 1,2;"
sqlite3 -header -column "$DB" "select round(avg(hours_into_shift),2) as hours_at_error from market_studies where measured=1 and lower(outcome) like '%false%';"
sqlite3 -header -column "$DB" "select shift_volume>26 as heavy, count(*) n, round(avg(lower(outcome) like '%false%'),4) err from market_studies where measured=1 and outcome is not null group by 1;"
