/**
 * The normalized procedure record (thủ tục hành chính), produced by the
 * catalog importer from the national catalog's flattened text and stored in
 * the shipped snapshot and the `procedures` table.
 */

export type ProcedureLevel = 'xã' | 'tỉnh' | 'bộ' | 'khác';
export type SubmissionChannel = 'truc_tiep' | 'truc_tuyen' | 'buu_chinh';

export interface ChannelInfo {
  channel: SubmissionChannel;
  /** Original wording, e.g. "3 Ngày làm việc" or "1". */
  timeText: string;
  /** Parsed time, when it could be read. Bare numbers are working days. */
  time?: { value: number; unit: 'ngày làm việc' | 'ngày' | 'giờ' | 'tháng' | 'khác' };
  /** Original fee wording, e.g. "Lệ phí : 10.000 Đồng" or "Miễn phí". */
  feeText: string;
  /** Parsed amounts in đồng (empty when free or not stated). */
  feeAmounts: number[];
  free: boolean;
  description?: string;
}

export interface RequiredDocument {
  name: string;
  /** Form name (mẫu đơn, tờ khai) if any. */
  form?: string;
  /** E.g. "1 bản chính", "0 bản sao". */
  quantity?: string;
}

export interface DocumentGroup {
  /** Case heading, e.g. "Giấy tờ phải nộp", "Giấy tờ phải xuất trình", "Trường hợp …". */
  title: string;
  documents: RequiredDocument[];
}

export interface LegalBasis {
  title: string;
  code?: string;
}

export interface Procedure {
  /** National code, e.g. "1.001193"; local procedures use "local.<slug>". */
  code: string;
  name: string;
  /** Name without the leading "Thủ tục ". */
  shortName: string;
  levels: ProcedureLevel[];
  field: string;
  agency: string;
  subjects: string;
  decision: string;
  kind: string;
  channels: ChannelInfo[];
  documentGroups: DocumentGroup[];
  steps: string[];
  legalBasis: LegalBasis[];
  result: string;
  conditions: string;
  receptionAddress: string;
  portalUrl: string;
  /** Source ministry folder (bo-tu-phap…). */
  source: string;
  /** Raw fields kept beside the parsed ones (without raw_text when compacting). */
  raw: Record<string, string>;
}

/** A commune's local facts about one procedure; absent fields mean "as in the catalog". */
export interface ProcedureOverride {
  /** Fee as the commune states it, e.g. "8.000 đồng/bản sao (Nghị quyết HĐND tỉnh)". */
  fee?: string;
  receptionAddress?: string;
  hours?: string;
  phone?: string;
  /** Free text the chat shows as the commune's own note. */
  note?: string;
  /** Link to the online service (DVC portal page of the province). */
  onlineUrl?: string;
  updatedAt?: string;
}

/**
 * A procedure as one commune presents it: the national (or local) record with
 * the commune's override applied (fee, address…), plus the override itself so
 * the chat can show "Ghi chú của xã".
 */
export interface ResolvedProcedure extends Procedure {
  origin: 'national' | 'local';
  /** YYYY-MM-DD of the national catalog this record comes from (national records, when known). */
  catalogDate?: string;
  override?: ProcedureOverride;
}
