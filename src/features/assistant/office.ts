/**
 * Whether a message asks about the office itself (its hours, address, phone, where it is), read on folded text
 * (no diacritics, lower case, words separated by single spaces). Such a message gets the commune's contact card;
 * anything else goes on to the procedures.
 */

/** Words of the office questions below: who asks, the office's units, its opening hours. */
const ASKER = '(em |toi |tui |minh |chau )';
const OFFICE_UNIT = 'ubnd|uy ban|bo phan mot cua|mot cua';
/** Opening hours' verbs. */
const OPENS = '(mo cua|dong cua|nghi trua|lam viec|tiep dan)';
/** …and a bare "làm" as "có làm không", in a message of hours words only ("thứ 7 có làm không"). */
const OPENING = `(${OPENS.slice(1, -1)}|lam (khong|ko|k|hong|hok|hem))`;
/** Days and times an opening is asked for. */
const WHEN = String.raw`(thu ([2-7]|hai|ba|tu|nam|sau|bay)|t7|chu nhat|cn|cuoi tuan|ngay le|le tet|ngoai gio( hanh chinh)?|(buoi )?trua|hom nay|ngay mai|mai)`;

/**
 * Hours asked: "giờ làm việc", "mấy giờ mở cửa", "thứ 7 có làm không", "hôm nay xã có làm việc không". These
 * words also come with a procedure ("khai sinh cho con ngoài giờ làm việc được không"), another body ("chi cục thuế
 * mở cửa mấy giờ", "bảo hiểm xã hội mấy giờ làm việc") or a story, so they count only when the commune's office is
 * what opens (`OFFICE_OPENS`) or nothing but the hours is said (`HOURS_ONLY`).
 */
const HOURS_ASKED = [
  /\b(gio lam viec|lich lam viec|thoi gian lam viec|gio mo cua|gio hanh chinh)\b/,
  new RegExp(String.raw`\b${WHEN}\b.*\b${OPENING}\b|\b${OPENING}\b.*\b${WHEN}\b`),
  new RegExp(String.raw`\bmay gio\b.*\b${OPENING}\b|\b${OPENING}\b.*\bmay gio\b`),
];
/**
 * The commune's office, not "xã hội" (social insurance, the social policy bank), "địa phương", "làm xa" or "đi xa"
 * (far away), nor a body "of the commune" ("công an xã", "trạm y tế xã": their own hours).
 */
const OFFICE = String.raw`(?<!(lam|di|o|trong|cong an|y te|tram|truong|cho|nha|quan|benh vien) )(?<!dia )(xa|phuong|thi tran|${OFFICE_UNIT}|trung tam phuc vu hanh chinh cong)(?! hoi)`;
/** The office as what opens ("xã mình thứ 7 có làm việc không"), or the hours as its own ("giờ làm việc của xã"). */
const OFFICE_OPENS = new RegExp(
  String.raw`\b${OFFICE}\b( [a-z0-9]+){0,4} (co )?${OPENS}\b|(?<!ngoai )\b(gio lam viec|lich lam viec|gio mo cua)( cua)?( bo phan mot cua| ubnd| uy ban)? ${OFFICE}\b`,
);
/** Words an hours question is made of, with the office, who asks and the particles around it: nothing else said. */
const HOURS_ONLY = new Set(
  (
    'gio lam viec lich tiep dan thoi gian thu 2 3 4 5 6 7 hai ba tu nam sau bay t7 cn chu nhat cuoi tuan tuan ngay le ' +
    'tet ngoai hanh chinh buoi sang chieu trua toi may mo dong cua nghi luc tu den bat dau ket thuc bao nhieu co ' +
    'khong ko k hong hok hem ha vay a ak ad oi nhe nha nhi the nao nhu ntn thi voi cho hoi xin em toi tui minh chau ' +
    'anh chi la hom nay mai ngay xa phuong ubnd uy ban bo phan mot cua ta'
  ).split(' '),
);
const saysOnlyHours = (folded: string) => folded.split(' ').every((w) => HOURS_ONLY.has(w));

/**
 * The address, phone or place asked: "Địa chỉ", "số điện thoại", "mấy giờ" or "ở đâu" inside another question
 * ("đổi địa chỉ hộ kinh doanh", "đăng ký sang tên ở đâu", "ghi địa chỉ xã nào", "xe buýt mấy giờ chạy") is a
 * procedure question, one for elsewhere, or not ours, so these match the whole message.
 */
const PLACE_ASKED = [
  // "cho xin số điện thoại", "địa chỉ nộp hồ sơ", "sđt của xã là gì", "hotline": the whole message is the request.
  new RegExp(
    String.raw`^((cho )?${ASKER}?(hoi|xin) )?(dia chi|so dien thoai|sdt|hotline|so lien he)( lien he| nop ho so| tiep nhan ho so)?` +
      String.raw`(( cua)? (xa|phuong|${OFFICE_UNIT})( minh| nay| ta)?)?( la gi| la bao nhieu| bao nhieu| o dau)?( vay| a| voi| nhe| nha| ad)*$`,
  ),
  // "xã ở đâu", "UBND xã Hòa Phú nằm ở đâu ạ", "cho hỏi trụ sở phường ở đâu".
  new RegExp(
    String.raw`^((cho ${ASKER}?)?hoi )?((tru so|van phong|${OFFICE_UNIT}|uy ban nhan dan|trung tam phuc vu hanh chinh cong|nha van hoa) )?` +
      String.raw`((xa|phuong|thi tran)( [a-z]+){0,3})?( nam)? ?o dau( vay| a| nhi| the)*$`,
  ),
];

/** A change to a record ("đổi địa chỉ trụ sở", "ghi sai số điện thoại"): a procedure question, whatever it names. */
const RECORD_CHANGE = /\b(doi|thay doi|cap nhat|sai|dinh chinh|sua|dieu chinh|hieu dinh)\b/;

/** The office itself asked about, in folded text. */
export function officeAsked(folded: string): boolean {
  if (RECORD_CHANGE.test(folded)) return false;
  if (PLACE_ASKED.some((re) => re.test(folded))) return true;
  return HOURS_ASKED.some((re) => re.test(folded)) && (OFFICE_OPENS.test(folded) || saysOnlyHours(folded));
}
