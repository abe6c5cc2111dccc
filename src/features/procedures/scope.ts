/**
 * What the commune does not decide: a short, curated list of needs residents
 * bring to the commune bot that belong to another authority (the court, the
 * tax office, the provincial police, schools, hospitals), each with where to
 * go instead. Checked before the procedure ranking so that "ly hôn" is never
 * answered with the nearest-sounding civil-status procedure. Also recognises
 * prompt-injection text, which must never produce a procedure.
 *
 * Patterns are folded phrases (no diacritics, lowercase) matched on word
 * boundaries; `unless` phrases hand the message back to the procedure search
 * (recording a divorce granted abroad is a commune procedure; reporting a lost
 * passport is done at the commune police).
 */
import { tokenize } from '../../text/normalize.js';
import { PhraseIndex } from '../../text/phrase-index.js';
import { INJECTION, INJECTION_WEAK } from './scope-injection.js';

export interface ElsewhereTopic {
  /** Stable id, e.g. `divorce`; used in logs and tests. */
  id: string;
  /** Short Vietnamese name of the need, e.g. "Ly hôn". */
  label: string;
  /** Where to go, in one polite Vietnamese paragraph. */
  answer: string;
  /** Catalog codes of the (provincial or central) procedure, shown as "see the procedure" buttons when present. */
  codes?: string[];
}

interface ScopeRule {
  topic: ElsewhereTopic;
  when: string[];
  unless?: string[];
}

const RULES: ScopeRule[] = [
  {
    topic: {
      id: 'divorce',
      label: 'Ly hôn',
      answer:
        'Việc ly hôn (kể cả thuận tình ly hôn), chia tài sản và quyền nuôi con khi ly hôn do Tòa án nhân dân khu vực giải quyết, ' +
        'không phải Ủy ban nhân dân xã. Anh/chị nộp đơn tại Tòa án nhân dân khu vực nơi vợ hoặc chồng cư trú, làm việc. ' +
        'Nếu vợ chồng muốn hòa giải trước, tổ hòa giải ở thôn, tổ dân phố có thể giúp, anh/chị nhắn "gặp cán bộ" để được hướng dẫn.',
    },
    when: ['ly hon', 'ly di', 'thuan tinh', 'quyen nuoi con', 'gianh quyen nuoi con'],
    unless: ['ghi vao so', 'ghi chu', 'nuoc ngoai', 'trich luc', 'ban sao'],
  },
  {
    topic: {
      id: 'court',
      label: 'Khởi kiện, tranh chấp tại Tòa án',
      answer:
        'Khởi kiện và giải quyết tranh chấp dân sự (thừa kế, hợp đồng, nợ) thuộc thẩm quyền của Tòa án nhân dân khu vực. ' +
        'Riêng tranh chấp đất đai phải được hòa giải tại Ủy ban nhân dân xã trước khi khởi kiện: anh/chị có thể hỏi "hòa giải tranh chấp đất đai".',
    },
    when: [
      'khoi kien',
      'kien ra toa',
      'dua ra toa',
      'kien tung',
      'toa an',
      'ra toa',
      'thua kien',
      'kien doi no',
      'khang cao',
      // Folded, "kiện" is also "kiến" and "kiện" of "điều kiện", "đòi" is also "đổi": only whole phrases.
      'kien chia thua ke',
      'kien chia tai san',
      'kien doi tien',
      'kien doi dat',
      'kien doi nha',
    ],
    unless: ['ly hon', 'tro giup phap ly'],
  },
  {
    topic: {
      id: 'passport',
      label: 'Hộ chiếu',
      answer:
        'Hộ chiếu phổ thông do Phòng Quản lý xuất nhập cảnh, Công an tỉnh cấp; anh/chị có thể nộp trực tuyến trên Cổng dịch vụ công Bộ Công an ' +
        'hoặc ứng dụng VNeID. Ủy ban nhân dân xã không cấp hộ chiếu. Nếu bị mất hộ chiếu, anh/chị trình báo tại Công an xã.',
      codes: ['1.001456'],
    },
    when: ['ho chieu', 'passport', 'visa', 'thi thuc', 'xuat canh'],
    unless: ['mat', 'bi mat', 'danh roi', 'that lac', 'trinh bao'],
  },
  {
    topic: {
      id: 'driving-licence',
      label: 'Giấy phép lái xe',
      answer:
        'Từ ngày 01/3/2025, việc học, sát hạch và cấp giấy phép lái xe do ngành Công an thực hiện: anh/chị đăng ký học tại cơ sở đào tạo lái xe, ' +
        'sát hạch tại trung tâm sát hạch, giấy phép do Phòng Cảnh sát giao thông, Công an tỉnh cấp. Ủy ban nhân dân xã không cấp giấy phép lái xe. ' +
        'Muốn đổi hoặc cấp lại giấy phép lái xe, anh/chị hỏi "đổi giấy phép lái xe".',
    },
    when: ['bang lai', 'bang lai xe', 'giay phep lai xe', 'gplx', 'thi bang', 'hoc lai xe', 'bang xe may', 'bang a1', 'bang b2'],
    // Exchange and re-issue are received by the commune police (catalog 3.000347, 3.000348): the search answers those.
    unless: ['doi', 'cap lai', 'lam lai', 'gia han', 'het han', 'mat', 'hong', 'rach', 'can cuoc', 'tich hop'],
  },
  {
    topic: {
      id: 'tax',
      label: 'Thuế',
      answer:
        'Kê khai, nộp, quyết toán và hoàn thuế, mã số thuế cá nhân do cơ quan Thuế cơ sở quản lý địa bàn giải quyết; anh/chị có thể làm trực tuyến ' +
        'trên ứng dụng eTax Mobile hoặc trang thuedientu.gdt.gov.vn. Ủy ban nhân dân xã không thu và không giải quyết thủ tục thuế.',
    },
    when: [
      'nop thue',
      'dong thue',
      'khai thue',
      'quyet toan thue',
      'hoan thue',
      'ma so thue',
      'thue thu nhap',
      'thue tncn',
      'mst',
      'thue khoan',
      'no thue',
      'etax',
    ],
    // "hợp đồng thuê" folds to the words of "đóng thuế".
    unless: ['truoc ba', 'hop dong thue'],
  },
  {
    topic: {
      id: 'education',
      label: 'Văn bằng, trường học',
      answer:
        'Văn bằng, học bạ, chuyển trường và tuyển sinh (cả vào mầm non, mẫu giáo) do nhà trường và Sở Giáo dục và Đào tạo giải quyết; ' +
        'đơn miễn, giảm học phí và hỗ trợ chi phí học tập anh/chị nộp tại trường của con. Anh/chị liên hệ trường của con hoặc ' +
        'Sở Giáo dục và Đào tạo. Nếu cần chứng thực bản sao văn bằng, anh/chị có thể hỏi "chứng thực bản sao".',
    },
    when: [
      'bang tot nghiep',
      'hoc ba',
      'chuyen truong',
      'nhap hoc',
      'tuyen sinh',
      'van bang',
      'bang cap 3',
      'thi tot nghiep',
      'phuc khao',
      'hoc phi',
      'chi phi hoc tap',
      'mau giao',
      'mam non',
    ],
    unless: ['chung thuc', 'sao y', 'ban sao', 'cong chung', 'photo'],
  },
  {
    topic: {
      id: 'health',
      label: 'Khám chữa bệnh',
      answer:
        'Khám chữa bệnh, giấy chuyển tuyến, giấy ra viện và giấy chứng sinh do trạm y tế, bệnh viện cấp. Ủy ban nhân dân xã không giải quyết việc này; ' +
        'thẻ bảo hiểm y tế và khai sinh cho con thì anh/chị có thể hỏi tôi.',
    },
    when: ['chuyen vien', 'chuyen tuyen', 'giay ra vien', 'kham benh', 'nam vien', 'nhap vien', 'giay chung sinh'],
    unless: ['bhyt', 'bao hiem', 'khai sinh'],
  },
  {
    topic: {
      id: 'social-allowance',
      label: 'Trợ cấp xã hội',
      answer:
        'Trợ cấp xã hội hằng tháng (người cao tuổi, người khuyết tật, trẻ em mồ côi, người đơn thân nuôi con thuộc hộ nghèo…), xác định mức độ khuyết tật ' +
        'và hỗ trợ mai táng cho người đang hưởng trợ cấp xã hội do Ủy ban nhân dân xã xét duyệt (Nghị định 20/2021/NĐ-CP). Anh/chị nộp tờ khai tại ' +
        'Trung tâm Phục vụ hành chính công của xã. Trợ lý chưa có hướng dẫn chi tiết cho việc này: anh/chị nhắn "gặp cán bộ" để cán bộ văn hóa – xã hội hướng dẫn.',
    },
    when: [
      'tro cap xa hoi',
      'tro cap hang thang',
      'tro cap nguoi cao tuoi',
      'tro cap nguoi gia',
      'tro cap khuyet tat',
      'bao tro xa hoi',
      'khuyet tat',
      'nguoi cao tuoi',
      'tien nguoi gia',
      'luong nguoi gia',
      'tre mo coi',
    ],
    unless: ['bao hiem', 'bhxh', 'bhyt', 'luong huu'],
  },
  {
    topic: {
      id: 'merit',
      label: 'Chế độ người có công',
      answer:
        'Chế độ cho thương binh, bệnh binh, liệt sĩ, người hoạt động kháng chiến và thân nhân: hồ sơ nộp tại Ủy ban nhân dân xã, Sở Nội vụ giải quyết. ' +
        'Trợ lý chưa có hướng dẫn chi tiết cho việc này: anh/chị nhắn "gặp cán bộ" để được hướng dẫn.',
    },
    when: ['liet si', 'thuong binh', 'benh binh', 'nguoi co cong', 'chat doc da cam', 'cuu chien binh', 'me viet nam anh hung'],
    unless: ['cong an'],
  },
  {
    topic: {
      id: 'military-service',
      label: 'Nghĩa vụ quân sự',
      answer:
        'Đăng ký nghĩa vụ quân sự, khám tuyển, tạm hoãn và giấy gọi nhập ngũ do Ban Chỉ huy quân sự xã phụ trách. Nam công dân đủ 17 tuổi đăng ký ' +
        'nghĩa vụ quân sự lần đầu tại Ban Chỉ huy quân sự xã nơi cư trú. Anh/chị nhắn "gặp cán bộ" nếu cần hỏi thêm.',
    },
    when: ['nghia vu quan su', 'nvqs', 'di bo doi', 'nhap ngu', 'kham nghia vu', 'tam hoan nghia vu', 'ban chi huy quan su'],
  },
  {
    topic: {
      id: 'disaster-support',
      label: 'Hỗ trợ thiệt hại do thiên tai',
      answer:
        'Hỗ trợ khắc phục thiệt hại do bão, lũ, ngập úng, sạt lở (nhà ở, cây trồng, vật nuôi) do thôn, tổ dân phố thống kê và Ủy ban nhân dân xã lập danh sách ' +
        'đề nghị hỗ trợ. Anh/chị báo thiệt hại với trưởng thôn, tổ trưởng hoặc nhắn "gặp cán bộ".',
    },
    // Folded words are ambiguous ("sau bão" / "sau bao lâu"): only phrases that cannot be read another way.
    when: [
      'thien tai',
      'bao lu',
      'lu lut',
      'mat trang',
      'toc mai',
      'sat lo',
      'ngap ung',
      'lu quet',
      'thiet hai do bao',
      'sau con bao',
    ],
    // The land or the crops changed after the disaster: a land or farming procedure, not disaster support.
    unless: ['dich', 'benh', 'bien dong', 'so do', 'chuyen doi', 'chuyen sang'],
  },
  {
    topic: {
      id: 'office-hours',
      label: 'Giờ làm việc',
      answer:
        'Giờ làm việc của xã: {hours}. Ngoài giờ, anh/chị vẫn có thể để lại câu hỏi, cán bộ sẽ trả lời khi quay lại làm việc.',
    },
    when: [
      'gio lam viec',
      'may gio mo cua',
      'may gio lam viec',
      'gio mo cua',
      'gio hanh chinh',
      'co lam viec khong',
      'lam viec khong',
      'nghi trua',
    ],
  },
  {
    topic: {
      id: 'utilities',
      label: 'Điện, nước sinh hoạt',
      answer:
        'Lắp đặt, sang tên công tơ điện, đồng hồ nước và hóa đơn điện, nước do Điện lực và công ty cấp nước giải quyết (tổng đài chăm sóc khách hàng ' +
        'ngành điện 1900 1006 hoặc 1900 9000). Ủy ban nhân dân xã không giải quyết việc này.',
    },
    when: [
      'dong ho dien',
      'cong to dien',
      'lap dien',
      'keo dien',
      'dien luc',
      'tien dien',
      'dong ho nuoc',
      'nuoc may',
      'cap nuoc',
      'tien nuoc',
    ],
  },
  {
    topic: {
      id: 'bank-loan',
      label: 'Vay vốn',
      answer:
        'Vay vốn ưu đãi (hộ nghèo, học sinh sinh viên, giải quyết việc làm, nước sạch) do Ngân hàng Chính sách xã hội cho vay qua tổ tiết kiệm và vay vốn ' +
        'ở thôn và điểm giao dịch tại xã. Anh/chị liên hệ tổ trưởng tổ tiết kiệm và vay vốn hoặc điểm giao dịch của ngân hàng.',
    },
    when: ['vay von', 'ngan hang chinh sach', 'vay ngan hang', 'vay tien', 'vay uu dai'],
    // A mortgage of land is registered through a land procedure.
    unless: ['the chap'],
  },
  {
    topic: {
      id: 'unemployment',
      label: 'Trợ cấp thất nghiệp, việc làm',
      answer:
        'Trợ cấp thất nghiệp, học nghề và tìm việc làm do Trung tâm Dịch vụ việc làm của tỉnh giải quyết (nộp hồ sơ trong 3 tháng kể từ ngày nghỉ việc). ' +
        'Ủy ban nhân dân xã không giải quyết việc này.',
    },
    when: [
      'tro cap that nghiep',
      'bao hiem that nghiep',
      'bhtn',
      'tim viec',
      'gioi thieu viec lam',
      'trung tam dich vu viec lam',
    ],
    unless: ['uy quyen'],
  },
  {
    topic: {
      id: 'traffic',
      label: 'Vi phạm giao thông, đăng kiểm',
      answer:
        'Nộp phạt vi phạm giao thông, tra cứu phạt nguội do Cảnh sát giao thông (Công an tỉnh) giải quyết, có thể nộp phạt trực tuyến trên Cổng dịch vụ công; ' +
        'kiểm định (đăng kiểm) xe ô tô làm tại trung tâm đăng kiểm. Ủy ban nhân dân xã không giải quyết việc này.',
    },
    when: ['phat nguoi', 'nop phat', 'vi pham giao thong', 'csgt', 'giu xe', 'dang kiem', 'kiem dinh xe'],
    // A complaint about the commune police's decision ("công an thu giữ xe sai") has a commune procedure.
    unless: ['khieu nai', 'to cao'],
  },
  {
    topic: {
      id: 'citizen-reception',
      label: 'Tiếp công dân, khiếu nại, phản ánh',
      answer:
        'Khiếu nại, tố cáo, phản ánh, kiến nghị với Ủy ban nhân dân xã: anh/chị gửi đơn hoặc gặp trực tiếp tại bộ phận tiếp công dân của xã ' +
        '(lịch tiếp công dân của Chủ tịch được niêm yết tại trụ sở). Anh/chị cũng có thể nhắn "gặp cán bộ" để để lại nội dung, cán bộ sẽ trả lời.',
    },
    when: ['tiep cong dan', 'gap chu tich', 'phan anh', 'kien nghi', 'khieu nai', 'to cao', 'don thu'],
    unless: ['cong an', 'dat dai', 'tranh chap'],
  },
  {
    topic: {
      id: 'ask-staff',
      label: 'Việc cần cán bộ hướng dẫn',
      answer:
        'Việc này chưa có trong danh mục thủ tục của trợ lý. Anh/chị nhắn "gặp cán bộ" và để lại nội dung, cán bộ xã sẽ hướng dẫn trong giờ làm việc.',
    },
    when: [
      'gia dinh van hoa',
      'hanh kiem',
      'nghia trang',
      'chon cat',
      'an tang',
      'dat chon',
      'hoa tang',
      'karaoke',
      'tiem chung',
      'tiem phong',
      'chich ngua',
      'giay xac nhan ho ngheo cho con di hoc',
      // Commune matters the national catalog snapshot has no procedure for (religious and belief activities,
      // associations, waste collection): staff answer them. Building permits for religious works are in it. ("lễ hội", "hội chợ" were tried: they cost real answers.)
      'sinh hoat ton giao',
      'hoat dong ton giao',
      'hoat dong tin nguong',
      'thanh lap hoi',
      'thu gom rac',
      'tien rac',
      'do rac',
    ],
  },
  {
    topic: {
      id: 'police-report',
      label: 'Trình báo với công an',
      answer:
        'Trình báo trộm cắp, lừa đảo, đánh nhau hay vụ việc an ninh trật tự, anh/chị báo ngay Công an xã (khẩn cấp gọi 113). ' +
        'Trợ lý này không tiếp nhận tin báo tội phạm.',
    },
    when: ['bi trom', 'mat trom', 'bi lua', 'lua dao', 'danh nhau', 'to giac toi pham', 'bao cong an', 'goi 113', 'cuop giat'],
    // "Khách ở lại có phải báo công an không" is a stay notification; a lost paper reported is context.
    unless: ['luu tru', 'tam tru', 'tam vang', 'o lai', 'mat so', 'mat giay', 'mat can cuoc', 'mat cccd'],
  },
];

export type ScopeVerdict =
  /** `phrase`: the folded words that placed the need elsewhere. */
  { kind: 'elsewhere'; topic: ElsewhereTopic; phrase: string } | { kind: 'injection' } | undefined;

function compile(list: readonly string[]): string[] {
  return list.map((p) => tokenize(p).join(' '));
}

const COMPILED = RULES.map((r) => ({ topic: r.topic, when: compile(r.when), unless: compile(r.unless ?? []) }));
const INJECTION_COMPILED = compile(INJECTION);
const INJECTION_WEAK_COMPILED = compile(INJECTION_WEAK);

/** Every phrase above (as folded words) by its words: a message is read once, not once per phrase. */
const PHRASES = new PhraseIndex(
  [...INJECTION_COMPILED, ...INJECTION_WEAK_COMPILED, ...COMPILED.flatMap((r) => [...r.when, ...r.unless])].map(
    (phrase) => [phrase, true] as const,
  ),
);

/** Decide whether a question belongs elsewhere (or is an injection attempt) before searching procedures. Pure. */
export function checkScope(query: string): ScopeVerdict {
  const present = PHRASES.allIn(tokenize(query.slice(0, 1000)));
  const has = (p: string) => present.has(p);
  if (INJECTION_COMPILED.some(has)) return { kind: 'injection' };
  if (INJECTION_WEAK_COMPILED.filter(has).length >= 2) return { kind: 'injection' };
  for (const rule of COMPILED) {
    const hit = rule.when.find(has);
    if (hit && !rule.unless.some(has)) {
      return { kind: 'elsewhere', topic: rule.topic, phrase: hit };
    }
  }
  return undefined;
}

/** The curated topics, for the README and tests. */
export const ELSEWHERE_TOPICS: readonly ElsewhereTopic[] = RULES.map((r) => r.topic);
