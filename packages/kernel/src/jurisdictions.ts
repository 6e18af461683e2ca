/** The city and its 16 districts (GB/T 2260). Every record and every node belongs to one. */
export const CITY_JURISDICTION = "120000";

export const DISTRICTS: Readonly<Record<string, { zh: string; en: string }>> = Object.freeze({
  "120101": { zh: "和平区", en: "Heping" },
  "120102": { zh: "河东区", en: "Hedong" },
  "120103": { zh: "河西区", en: "Hexi" },
  "120104": { zh: "南开区", en: "Nankai" },
  "120105": { zh: "河北区", en: "Hebei" },
  "120106": { zh: "红桥区", en: "Hongqiao" },
  "120110": { zh: "东丽区", en: "Dongli" },
  "120111": { zh: "西青区", en: "Xiqing" },
  "120112": { zh: "津南区", en: "Jinnan" },
  "120113": { zh: "北辰区", en: "Beichen" },
  "120114": { zh: "武清区", en: "Wuqing" },
  "120115": { zh: "宝坻区", en: "Baodi" },
  "120116": { zh: "滨海新区", en: "Binhai" },
  "120117": { zh: "宁河区", en: "Ninghe" },
  "120118": { zh: "静海区", en: "Jinghai" },
  "120119": { zh: "蓟州区", en: "Jizhou" },
});

export const DISTRICT_CODES: readonly string[] = Object.freeze(Object.keys(DISTRICTS).sort());
export const JURISDICTION_CODES: readonly string[] = Object.freeze([CITY_JURISDICTION, ...DISTRICT_CODES]);

export function isJurisdictionCode(code: string): boolean {
  return code === CITY_JURISDICTION || code in DISTRICTS;
}

export function isDistrictCode(code: string): boolean {
  return code in DISTRICTS;
}

export function jurisdictionName(code: string): string {
  return code === CITY_JURISDICTION ? "天津市" : (DISTRICTS[code]?.zh ?? code);
}

/** Nodes federate as a star: the city talks to every district, a district to the city. */
export function peersOf(code: string): readonly string[] {
  return code === CITY_JURISDICTION ? DISTRICT_CODES : [CITY_JURISDICTION];
}
