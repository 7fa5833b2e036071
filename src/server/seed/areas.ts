/** 东胜区 (150602) and its towns and streets, DOMAIN.md section 2. Village names are invented. */
export const DISTRICT = { code: '150602', name: '东胜区' };

export const TOWNS: { code: string; name: string; villages: string[] }[] = [
  { code: '100', name: '泊尔江海子镇', villages: ['泊江海子村', '柴登村', '漫赖村', '海畔村'] },
  { code: '101', name: '罕台镇', villages: ['罕台村', '九成功村', '布日都梁村', '灶火壕村', '轻纺街社区'] },
  { code: '102', name: '铜川镇', villages: ['铜川村', '塔拉壕村', '枳机塔村', '碾盘梁村'] },
  { code: '001', name: '交通街道', villages: ['交通社区', '东环路社区'] },
  { code: '002', name: '公园街道', villages: ['公园社区', '杭锦路社区'] },
  { code: '003', name: '林荫街道', villages: ['林荫社区', '和谐社区'] },
  { code: '004', name: '建设街道', villages: ['建设社区', '宝日陶亥社区'] },
  { code: '005', name: '富兴街道', villages: ['富兴社区', '吉劳庆社区'] },
  { code: '006', name: '天骄街道', villages: ['天骄社区', '鄂尔多斯社区'] },
  { code: '007', name: '诃额伦街道', villages: ['诃额伦社区', '团结社区'] },
  { code: '008', name: '巴音门克街道', villages: ['巴音门克社区', '达拉特路社区'] },
  { code: '010', name: '幸福街道', villages: ['幸福社区', '民生社区'] },
  { code: '011', name: '纺织街道', villages: ['纺织社区', '绒城社区'] },
  { code: '012', name: '兴胜街道', villages: ['兴胜社区', '铁西社区'] },
  { code: '013', name: '民族街道', villages: ['民族社区', '伊金霍洛西街社区'] },
  { code: '405', name: '高新区', villages: ['高新社区', '科技园社区'] },
];
