export interface FuzzReport { ok: boolean }
export function fuzzOptionsFrom(_flags: Map<string, string>): object { return {}; }
export async function runFuzz(_o: object): Promise<FuzzReport> { return { ok: false }; }
export function formatFuzz(_r: FuzzReport): string[] { return []; }
