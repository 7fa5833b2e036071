-- Development zones run as townships: 东胜区's 高新区 (405, DOMAIN.md §2) had been given the kind 镇 by
-- 031's backfill, and the console called it a 镇. A township-level area may now be a 高新区, 开发区 or
-- 园区 (shared/areas.ts AREA_KINDS.town); existing ones get the kind their name says.
alter table areas drop constraint areas_kind_check;
update areas set kind = case when name like '%高新区' then '高新区' when name like '%开发区' then '开发区'
    else '园区' end
  where level = 'town' and kind = '镇' and (name like '%高新区' or name like '%开发区' or name like '%园区');
alter table areas add constraint areas_kind_check check (
  (level = 'region' and kind in ('自治区', '省', '直辖市'))
  or (level = 'city' and kind in ('市', '盟', '自治州', '地区'))
  or (level = 'district' and kind in ('区', '旗', '县', '自治旗', '自治县', '县级市'))
  or (level = 'town' and kind in ('镇', '苏木', '街道', '乡', '民族乡', '民族苏木', '高新区', '开发区', '园区'))
  or (level = 'village' and kind in ('村', '嘎查', '社区'))
);
