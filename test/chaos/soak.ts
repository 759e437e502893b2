export interface SoakReport { ok: boolean }
export function soakOptionsFrom(_flags: Map<string, string>): object { return {}; }
export async function runSoak(_o: object): Promise<SoakReport> { return { ok: false }; }
export function formatSoak(_r: SoakReport): string[] { return []; }
