-- The area tree beyond the district (issue 31, DOMAIN.md §2): region (自治区/省) → city (市/盟) → county
-- level (区/旗/县, the level keeps its name 'district' so every existing row, id, grant and figure stays
-- as it is) → township (镇/苏木/街道/乡) → village (村/嘎查/社区). Each area also has its own kind, shown in
-- the UI in place of the level's Han name (a 嘎查 is not called 村). Existing rows get the kind their name
-- says (罕台镇 → 镇, 交通街道 → 街道, 某某嘎查 → 嘎查); the kinds are the ones of shared/areas.ts AREA_KINDS.
alter table areas drop constraint areas_level_check;
alter table areas add constraint areas_level_check
  check (level in ('region', 'city', 'district', 'town', 'village'));

alter table areas add column kind text;
update areas set kind = case level
  when 'district' then case when name like '%自治旗' then '自治旗' when name like '%自治县' then '自治县'
    when name like '%旗' then '旗' when name like '%县' then '县' else '区' end
  when 'town' then case when name like '%民族苏木' then '民族苏木' when name like '%民族乡' then '民族乡'
    when name like '%街道' then '街道' when name like '%苏木' then '苏木' when name like '%乡' then '乡'
    else '镇' end
  else case when name like '%社区' then '社区' when name like '%嘎查' then '嘎查' else '村' end
end;
alter table areas alter column kind set not null;
alter table areas add constraint areas_kind_check check (
  (level = 'region' and kind in ('自治区', '省', '直辖市'))
  or (level = 'city' and kind in ('市', '盟', '自治州', '地区'))
  or (level = 'district' and kind in ('区', '旗', '县', '自治旗', '自治县', '县级市'))
  or (level = 'town' and kind in ('镇', '苏木', '街道', '乡', '民族乡', '民族苏木'))
  or (level = 'village' and kind in ('村', '嘎查', '社区'))
);

-- Bureau roles now also sit at city and region level; the towns of any subtree are one prefix match
-- on path (areas_path_idx), which the figures and ledgers use above the township.
create index areas_level_path_idx on areas (level, path text_pattern_ops) where level = 'town';
