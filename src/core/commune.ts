/** Public facts about the commune (tenant) a message belongs to. */
export interface CommuneInfo {
  id: number;
  slug: string;
  name: string;
  province: string;
  address: string;
  phone: string;
  /** Human-readable office hours, e.g. "Thứ Hai – Thứ Sáu, 7:30–11:30 và 13:30–17:00". */
  hoursText: string;
}

/** Where the pipeline and the channels' setup look a commune up by id (cached; see `wiring/communes.ts`). */
export interface CommuneDirectory {
  get(id: number): Promise<CommuneInfo | undefined>;
}
