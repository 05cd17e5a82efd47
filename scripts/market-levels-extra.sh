#!/bin/bash
# The default study's levels beyond ../shared/tools/market-levels.py, per design after the warm-up (day 7):
# pace and its floor, errors and major discrepancies per study read, stroke CT within 45 min, wRVU per calendar day
# on shift (an overnight shift spans two) and per 10 shift hours, reading share and income per shift hour,
# turnaround and never-reported share by urgency, hours into shift at error by cohort (with the share at 10 h or
# later: Ruutiainen's last 2 h of a 12-h shift), and errors by shift volume (Ivanovic).
# Usage: scripts/market-levels-extra.sh Results/default.sqlite
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
select r.variant as design, round(avg(d.wrvu),1) as wrvu_per_calendar_day_on_shift,
  round(10 * sum(d.wrvu)/sum(d.hours_on_shift),1) as wrvu_per_10h_shift, round(sum(d.hours_reading)/sum(d.hours_on_shift),3) as utilisation,
  round(sum(d.income_minor)/100.0/sum(d.hours_on_shift),1) as income_per_shift_hour
from radiologist_days d join runs_ r on r.id=d.run_id where d.hours_on_shift>0 and d.day>=7 group by r.variant;"
sqlite3 -header -column "$DB" "
with runs_ as (select id, variant from runs where status='finished')
select r.variant as design, lower(s.urgency) as urgency,
  round(avg((s.report_committed_ticks - s.arrival_ticks)/3.6e9),2) as mean_tat_h_reported,
  round(avg(s.report_committed_ticks is null),4) as not_reported
from market_studies s join runs_ r on r.id=s.run_id where s.measured=1 group by 1,2;"
sqlite3 -header -column "$DB" "
with runs_ as (select id from runs where status='finished'),
  rads as (select distinct d.run_id, d.radiologist, d.cohort from radiologist_days d)
select c.cohort, round(avg(s.hours_into_shift),2) as hours_at_error, round(avg(s.hours_into_shift >= 10),3) as share_at_10h_plus,
  count(*) as errors
from market_studies s join runs_ r on r.id=s.run_id join rads c on c.run_id=s.run_id and c.radiologist=s.radiologist
where s.measured=1 and lower(s.outcome) like '%false%' group by c.cohort;"
sqlite3 -header -column "$DB" "select shift_volume>26 as heavy, count(*) n, round(avg(lower(outcome) like '%false%'),4) err from market_studies where measured=1 and outcome is not null group by 1;"
