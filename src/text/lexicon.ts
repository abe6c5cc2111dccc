/**
 * The search's word lists, apart from the algorithm (normalize.ts and
 * search-index.ts): abbreviations, residents' everyday words mapped to the
 * catalog's terms (the concept layer), fillers, off-topic phrases and the
 * words of asking. All folded (lowercase, no diacritics) unless a name says
 * otherwise. Data only: extend it by families ("mất" → khai tử), never for a
 * single question.
 */

/**
 * A rewrite: the official alternatives for a phrase. `accented` lists the
 * spellings a single folded word must have when typed with diacritics
 * ("cưới" but not "cười"); with `requireAccent` the word must have been typed
 * with those diacritics (country names: "Nhật", not "nhat" which may be "nhất").
 * A `qualifier` rewrite ("người Nhật" → nước ngoài, "mất" → cấp lại) refines a
 * request but never makes a query about a procedure on its own.
 */
export type Rule = { alternatives: string[]; weight?: number; accented?: string[]; requireAccent?: boolean; qualifier?: boolean };

/**
 * Abbreviations residents type (folded). Several expand to alternatives
 * because procedure names use both the abbreviation and the full words.
 */
export const ABBREVIATIONS: Record<string, Rule> = {
  cccd: { alternatives: ['the can cuoc', 'can cuoc'] },
  cmnd: { alternatives: ['chung minh nhan dan', 'can cuoc'] },
  cm: { alternatives: ['chung minh nhan dan'] },
  gks: { alternatives: ['giay khai sinh'] },
  ks: { alternatives: ['khai sinh'] },
  kh: { alternatives: ['ket hon'] },
  dk: { alternatives: ['dang ky'] },
  dky: { alternatives: ['dang ky'] },
  dki: { alternatives: ['dang ky'] },
  dkks: { alternatives: ['dang ky khai sinh'] },
  dkkh: { alternatives: ['dang ky ket hon'] },
  dkkt: { alternatives: ['dang ky khai tu'] },
  dktt: { alternatives: ['dang ky thuong tru', 'dang ky tam tru'] },
  tt: { alternatives: ['thuong tru', 'tam tru'] },
  bhyt: { alternatives: ['bhyt', 'bao hiem y te'] },
  bhxh: { alternatives: ['bhxh', 'bao hiem xa hoi'] },
  bhtn: { alternatives: ['bhtn', 'bao hiem that nghiep'] },
  hkd: { alternatives: ['ho kinh doanh'] },
  xntthn: { alternatives: ['xac nhan tinh trang hon nhan'] },
  ttn: { alternatives: ['tinh trang hon nhan'] },
  gpxd: { alternatives: ['giay phep xay dung'] },
  gplx: { alternatives: ['giay phep lai xe'] },
  gcn: { alternatives: ['giay chung nhan'] },
  gcnqsdd: { alternatives: ['giay chung nhan quyen su dung dat'] },
  qsdd: { alternatives: ['quyen su dung dat'] },
  sdd: { alternatives: ['su dung dat'] },
  lltp: { alternatives: ['ly lich tu phap'] },
  tncn: { alternatives: ['tncn', 'thu nhap ca nhan'] },
  gtgt: { alternatives: ['gtgt', 'gia tri gia tang'] },
  mst: { alternatives: ['ma so thue'] },
  htx: { alternatives: ['hop tac xa'] },
  nn: { alternatives: ['nuoc ngoai'] },
  vn: { alternatives: ['viet nam'] },
  xd: { alternatives: ['xay dung'] },
  gp: { alternatives: ['giay phep'] },
  hc: { alternatives: ['ho chieu'] },
  ct07: { alternatives: ['xac nhan thong tin ve cu tru'] },
  ct01: { alternatives: ['cu tru'] },
  vneid: { alternatives: ['dinh danh dien tu'] },
  attp: { alternatives: ['an toan thuc pham'] },
  pccc: { alternatives: ['phong chay chua chay'] },
  nvqs: { alternatives: ['nghia vu quan su'] },
};

/**
 * Everyday words → official terms (folded phrases). Longest match wins.
 * A rule lists the resident's words among its alternatives when they can
 * also appear in procedure names literally.
 */
const CAI_CHINH = 'thay doi cai chinh bo sung thong tin ho tich';
const SO_DO = 'giay chung nhan quyen su dung dat';

export const SYNONYMS: Record<string, Rule> = {
  // khai tử
  'giay chung tu': { alternatives: ['khai tu'] },
  'chung tu': { alternatives: ['khai tu'] },
  'giay bao tu': { alternatives: ['khai tu'] },
  'bao tu': { alternatives: ['khai tu'] },
  'khai bao tu': { alternatives: ['khai tu'] },
  'nguoi mat': { alternatives: ['khai tu'] },
  'da mat': { alternatives: ['khai tu'] },
  'vua mat': { alternatives: ['khai tu'] },
  'mat roi': { alternatives: ['khai tu'] },
  'qua doi': { alternatives: ['khai tu'] },
  'tu tran': { alternatives: ['khai tu'] },
  'tu vong': { alternatives: ['khai tu'] },
  'da chet': { alternatives: ['khai tu'] },
  'bi chet': { alternatives: ['khai tu'] },
  chet: { alternatives: ['khai tu'], accented: ['chết'] },
  // tình trạng hôn nhân
  'giay doc than': { alternatives: ['xac nhan tinh trang hon nhan'] },
  'chung nhan doc than': { alternatives: ['xac nhan tinh trang hon nhan'] },
  'xac nhan doc than': { alternatives: ['xac nhan tinh trang hon nhan'] },
  'doc than': { alternatives: ['xac nhan tinh trang hon nhan'] },
  'chua ket hon': { alternatives: ['xac nhan tinh trang hon nhan'] },
  'chua vo': { alternatives: ['xac nhan tinh trang hon nhan'] },
  'chua chong': { alternatives: ['xac nhan tinh trang hon nhan'] },
  // kết hôn
  'cuoi vo': { alternatives: ['dang ky ket hon'] },
  'cuoi chong': { alternatives: ['dang ky ket hon'] },
  'lay vo': { alternatives: ['dang ky ket hon'] },
  'lay chong': { alternatives: ['dang ky ket hon'] },
  'dang ky cuoi': { alternatives: ['dang ky ket hon'] },
  'giay dang ky ket hon': { alternatives: ['dang ky ket hon'] },
  'giay ket hon': { alternatives: ['dang ky ket hon'] },
  cuoi: { alternatives: ['ket hon'], accented: ['cưới'] },
  // khai sinh
  'lam giay khai sinh': { alternatives: ['dang ky khai sinh'] },
  'xin giay khai sinh': { alternatives: ['dang ky khai sinh'] },
  'lam khai sinh': { alternatives: ['dang ky khai sinh'] },
  'di khai sinh': { alternatives: ['dang ky khai sinh'] },
  'dang ky giay khai sinh': { alternatives: ['dang ky khai sinh'] },
  'giay khai sinh goc': { alternatives: ['giay khai sinh'] },
  'moi sinh': { alternatives: ['khai sinh'] },
  'moi de': { alternatives: ['khai sinh'] },
  'ban sao khai sinh': { alternatives: ['ban sao giay khai sinh'] },
  'trich luc khai sinh': { alternatives: ['trich luc ho tich'] },
  'mat giay khai sinh': { alternatives: ['ban sao giay khai sinh', 'dang ky lai khai sinh'] },
  'khai sanh': { alternatives: ['khai sinh'] },
  'giay khai sanh': { alternatives: ['giay khai sinh'] },
  'moi sanh': { alternatives: ['khai sinh'] },
  'hon thu': { alternatives: ['ket hon'] },
  'giay hon thu': { alternatives: ['dang ky ket hon'] },
  'ghi chu': { alternatives: ['ghi vao so'], qualifier: true },
  // cải chính, nhận cha mẹ con, con nuôi
  'nhan nuoi': { alternatives: ['nuoi con nuoi'] },
  'nhan con': { alternatives: ['nhan cha me con'] },
  'nhan lai lam con': { alternatives: ['nhan cha me con'] },
  'doi ten': { alternatives: [CAI_CHINH] },
  'sua ten': { alternatives: [CAI_CHINH] },
  'sai ten': { alternatives: [CAI_CHINH, 'dinh chinh'] },
  'doi ho': { alternatives: [CAI_CHINH] },
  'sai ngay sinh': { alternatives: [CAI_CHINH] },
  'sua ngay sinh': { alternatives: [CAI_CHINH] },
  'sua sai ngay sinh': { alternatives: [CAI_CHINH] },
  'sua sai': { alternatives: ['cai chinh'] },
  'cai chinh ho tich': { alternatives: [CAI_CHINH] },
  'cai chinh': { alternatives: [CAI_CHINH] },
  'doi dan toc': { alternatives: ['xac dinh lai dan toc'] },
  'nhan cha': { alternatives: ['nhan cha me con'] },
  'nhan bo': { alternatives: ['nhan cha me con'] },
  'nhan me': { alternatives: ['nhan cha me con'] },
  'nhan cha con': { alternatives: ['nhan cha me con'] },
  'nhan con nuoi': { alternatives: ['nuoi con nuoi'] },
  'xin con nuoi': { alternatives: ['nuoi con nuoi'] },
  // chứng thực
  'sao y ban chinh': { alternatives: ['chung thuc ban sao tu ban chinh'] },
  'sao y': { alternatives: ['chung thuc ban sao'] },
  'cong chung photo': { alternatives: ['chung thuc ban sao'] },
  'photo cong chung': { alternatives: ['chung thuc ban sao'] },
  'cong chung ban sao': { alternatives: ['chung thuc ban sao'] },
  'cong chung giay to': { alternatives: ['chung thuc ban sao'] },
  'chung thuc photo': { alternatives: ['chung thuc ban sao'] },
  photo: { alternatives: ['ban sao'] },
  'xa hoi': { alternatives: ['xa hoi'], qualifier: true },
  'cong chung hop dong': { alternatives: ['chung thuc giao dich'] },
  'chung thuc hop dong': { alternatives: ['chung thuc giao dich'] },
  'cong chung': { alternatives: ['chung thuc'] },
  'hop dong mua ban': { alternatives: ['giao dich'] },
  'hop dong tang cho': { alternatives: ['giao dich'] },
  'hop dong': { alternatives: ['giao dich', 'hop dong'] },
  'ky ten': { alternatives: ['chu ky'] },
  'xac nhan chu ky': { alternatives: ['chung thuc chu ky'] },
  'giay uy quyen': { alternatives: ['chu ky'] },
  'lam di chuc': { alternatives: ['chung thuc di chuc'] },
  'viet di chuc': { alternatives: ['chung thuc di chuc'] },
  'chia thua ke': { alternatives: ['phan chia di san'] },
  'chia tai san thua ke': { alternatives: ['phan chia di san'] },
  'khong nhan thua ke': { alternatives: ['tu choi nhan di san'] },
  // cư trú
  'nhap ho khau': { alternatives: ['dang ky thuong tru'] },
  'nhap khau': { alternatives: ['dang ky thuong tru'] },
  'len ho khau': { alternatives: ['dang ky thuong tru'] },
  'vao ho khau': { alternatives: ['dang ky thuong tru'] },
  'chuyen ho khau': { alternatives: ['dang ky thuong tru'] },
  'chuyen khau': { alternatives: ['dang ky thuong tru'] },
  'so ho khau': { alternatives: ['thuong tru'] },
  'ho khau': { alternatives: ['thuong tru'] },
  'cat ho khau': { alternatives: ['xoa dang ky thuong tru'] },
  'cat khau': { alternatives: ['xoa dang ky thuong tru'] },
  'xoa ho khau': { alternatives: ['xoa dang ky thuong tru'] },
  'tach ho khau': { alternatives: ['tach ho'] },
  'tach khau': { alternatives: ['tach ho'] },
  'tam chu': { alternatives: ['tam tru'] },
  'thuong chu': { alternatives: ['thuong tru'] },
  'thue tro': { alternatives: ['tam tru'] },
  'o tro': { alternatives: ['tam tru'] },
  'nha tro': { alternatives: ['tam tru'] },
  'phong tro': { alternatives: ['tam tru'] },
  'dang ky o': { alternatives: ['dang ky tam tru', 'dang ky thuong tru'] },
  'xac nhan cu tru': { alternatives: ['xac nhan thong tin ve cu tru'] },
  'xac nhan noi o': { alternatives: ['xac nhan thong tin ve cu tru'] },
  'xac nhan thuong tru': { alternatives: ['xac nhan thong tin ve cu tru'] },
  'di lam xa': { alternatives: ['tam vang'] },
  'vang nha': { alternatives: ['tam vang'] },
  'khach den o': { alternatives: ['thong bao luu tru'] },
  'o nho': { alternatives: ['luu tru', 'o nho'] },
  // căn cước, định danh
  'lam can cuoc': { alternatives: ['cap the can cuoc'] },
  'lam the can cuoc': { alternatives: ['cap the can cuoc'] },
  'can cuoc cong dan': { alternatives: ['the can cuoc'] },
  'can cuoc gan chip': { alternatives: ['the can cuoc'] },
  'chung minh thu': { alternatives: ['chung minh nhan dan', 'can cuoc'] },
  'chung minh nhan dan': { alternatives: ['chung minh nhan dan', 'can cuoc'] },
  'dinh danh muc 2': { alternatives: ['dinh danh dien tu muc do 02'] },
  'muc 2': { alternatives: ['muc do 02'] },
  'kich hoat': { alternatives: ['cap tai khoan'] },
  // hộ chiếu, xe, bằng lái
  passport: { alternatives: ['ho chieu'] },
  visa: { alternatives: ['thi thuc'] },
  'bang lai xe': { alternatives: ['giay phep lai xe'] },
  'bang lai': { alternatives: ['giay phep lai xe'] },
  'ca vet': { alternatives: ['chung nhan dang ky xe'] },
  cavet: { alternatives: ['chung nhan dang ky xe'] },
  'giay dang ky xe': { alternatives: ['chung nhan dang ky xe'] },
  'giay to xe': { alternatives: ['chung nhan dang ky xe'] },
  'sang ten xe': { alternatives: ['dang ky sang ten xe'] },
  'xe moi mua': { alternatives: ['dang ky xe lan dau'] },
  'moi mua xe': { alternatives: ['dang ky xe lan dau'] },
  'moi mua': { alternatives: ['lan dau'], qualifier: true },
  'co yeu to nuoc ngoai': { alternatives: ['co yeu to nuoc ngoai'], qualifier: true },
  'bien so': { alternatives: ['bien so xe'] },
  'xe may': { alternatives: ['xe'], qualifier: true },
  'xe o to': { alternatives: ['xe'], qualifier: true },
  'o to': { alternatives: ['xe'], qualifier: true },
  'khong tien an': { alternatives: ['ly lich tu phap'] },
  // hộ kinh doanh
  'giay phep kinh doanh': { alternatives: ['dang ky ho kinh doanh'] },
  'dang ky kinh doanh': { alternatives: ['dang ky ho kinh doanh'] },
  'kinh doanh ca the': { alternatives: ['ho kinh doanh'] },
  'ho ca the': { alternatives: ['ho kinh doanh'] },
  'mo quan': { alternatives: ['dang ky thanh lap ho kinh doanh'] },
  'mo tiem': { alternatives: ['dang ky thanh lap ho kinh doanh'] },
  'mo cua hang': { alternatives: ['dang ky thanh lap ho kinh doanh'] },
  'mo shop': { alternatives: ['dang ky thanh lap ho kinh doanh'] },
  'mo sap': { alternatives: ['dang ky thanh lap ho kinh doanh'] },
  'buon ban nho': { alternatives: ['ho kinh doanh'] },
  'buon ban': { alternatives: ['ho kinh doanh'] },
  'ban hang': { alternatives: ['ho kinh doanh'] },
  'dong cua quan': { alternatives: ['cham dut hoat dong ho kinh doanh'] },
  'khong kinh doanh nua': { alternatives: ['cham dut hoat dong ho kinh doanh'] },
  'nghi kinh doanh': { alternatives: ['cham dut hoat dong ho kinh doanh'] },
  'nghi ban': { alternatives: ['tam ngung kinh doanh'] },
  'tam nghi ban': { alternatives: ['tam ngung kinh doanh'] },
  'tam nghi kinh doanh': { alternatives: ['tam ngung kinh doanh'] },
  'tam dung kinh doanh': { alternatives: ['tam ngung kinh doanh'] },
  'doi dia chi quan': { alternatives: ['thay doi noi dung dang ky ho kinh doanh'] },
  quan: { alternatives: ['ho kinh doanh'], weight: 0.5, accented: ['quán'], qualifier: true },
  tiem: { alternatives: ['ho kinh doanh'], weight: 0.5, accented: ['tiệm'], qualifier: true },
  'tiem tap hoa': { alternatives: ['ho kinh doanh'] },
  'tam ngung ban': { alternatives: ['tam ngung kinh doanh'] },
  'ngung ban': { alternatives: ['tam ngung kinh doanh'] },
  'dong tiem': { alternatives: ['cham dut hoat dong ho kinh doanh'] },
  // Southern words for boats, receiving money, crops
  ghe: { alternatives: ['phuong tien thuy noi dia', 'phuong tien'], accented: ['ghe'] },
  xuong: { alternatives: ['phuong tien thuy noi dia', 'phuong tien'], accented: ['xuồng'] },
  lanh: { alternatives: ['linh', 'huong'], accented: ['lãnh'] },
  'lanh luong huu': { alternatives: ['luong huu'] },
  'chuyen qua trong': { alternatives: ['chuyen doi co cau cay trong'] },
  'chuyen sang trong': { alternatives: ['chuyen doi co cau cay trong'] },
  'doi cay trong': { alternatives: ['chuyen doi co cau cay trong'] },
  'ruong lua': { alternatives: ['dat trong lua'] },
  // đất đai
  'so do': { alternatives: [SO_DO, 'giay chung nhan dat dai'] },
  // Southern and everyday words for land and papers
  'giay do': { alternatives: [SO_DO, 'giay chung nhan dat dai'] },
  'mieng dat': { alternatives: ['dat'] },
  'manh dat': { alternatives: ['dat'] },
  'mua mieng dat': { alternatives: ['chuyen nhuong quyen su dung dat'] },
  'ban mieng dat': { alternatives: ['chuyen nhuong quyen su dung dat'] },
  'dat khai hoang': { alternatives: ['cap giay chung nhan quyen su dung dat lan dau'] },
  'khai hoang': { alternatives: ['lan dau'], qualifier: true },
  'so bo': { alternatives: ['so ho tich'] },
  'so hong': { alternatives: [SO_DO, 'giay chung nhan dat dai'] },
  'bia do': { alternatives: [SO_DO, 'giay chung nhan dat dai'] },
  'so dat': { alternatives: [SO_DO, 'giay chung nhan dat dai'] },
  'giay to dat': { alternatives: [SO_DO, 'giay chung nhan dat dai'] },
  'cap so': { alternatives: ['cap giay chung nhan'] },
  'cap so do': { alternatives: ['cap giay chung nhan quyen su dung dat lan dau'] },
  'cap so hong': { alternatives: ['cap giay chung nhan quyen su dung dat lan dau'] },
  'xin so do': { alternatives: ['cap giay chung nhan quyen su dung dat lan dau'] },
  'lam so do': { alternatives: ['cap giay chung nhan quyen su dung dat lan dau'] },
  'sang ten so do': { alternatives: ['dang ky bien dong chuyen nhuong quyen su dung dat'] },
  'sang ten dat': { alternatives: ['dang ky bien dong chuyen nhuong quyen su dung dat'] },
  'sang ten': { alternatives: ['sang ten', 'chuyen nhuong'] },
  'mua dat': { alternatives: ['chuyen nhuong quyen su dung dat'] },
  'ban dat': { alternatives: ['chuyen nhuong bat dong san'] },
  'mua ban dat': { alternatives: ['chuyen nhuong quyen su dung dat'] },
  'tach so': { alternatives: ['tach thua'] },
  'chia dat': { alternatives: ['tach thua'] },
  'len tho cu': { alternatives: ['chuyen muc dich su dung dat'] },
  'tho cu': { alternatives: ['dat o'] },
  'len dat o': { alternatives: ['chuyen muc dich su dung dat'] },
  'dat vuon': { alternatives: ['chuyen muc dich su dung dat'] },
  'lan dat': { alternatives: ['tranh chap dat dai'] },
  'lan chiem dat': { alternatives: ['tranh chap dat dai'] },
  'tranh chap dat': { alternatives: ['tranh chap dat dai'] },
  'hien dat': { alternatives: ['tang cho quyen su dung dat mo rong duong giao thong'] },
  'dat lua': { alternatives: ['dat trong lua'] },
  'truoc ba': { alternatives: ['le phi truoc ba'] },
  // xây dựng
  'xin phep xay nha': { alternatives: ['giay phep xay dung nha o rieng le'] },
  'giay phep xay nha': { alternatives: ['giay phep xay dung nha o rieng le'] },
  'xay nha': { alternatives: ['giay phep xay dung nha o rieng le'] },
  'lam nha': { alternatives: ['giay phep xay dung nha o rieng le'] },
  'cat nha': { alternatives: ['giay phep xay dung nha o rieng le'] },
  'dung nha': { alternatives: ['giay phep xay dung nha o rieng le'] },
  'xay moi': { alternatives: ['xay dung moi'] },
  'sua nha': { alternatives: ['xay dung sua chua cai tao'] },
  'sua chua nha': { alternatives: ['xay dung sua chua cai tao'] },
  'cai tao nha': { alternatives: ['xay dung sua chua cai tao'] },
  'coi noi': { alternatives: ['sua chua cai tao'] },
  'chat cay': { alternatives: ['chat ha cay xanh'] },
  'don cay': { alternatives: ['chat ha cay xanh'] },
  'via he': { alternatives: ['via he'], qualifier: true },
  'dam cuoi': { alternatives: ['su dung tam thoi long duong via he'] },
  'dam tang': { alternatives: ['su dung tam thoi long duong via he'] },
  // bảo hiểm, an sinh
  'rut bao hiem': { alternatives: ['bao hiem xa hoi mot lan'] },
  'mot lan': { alternatives: ['mot lan'], qualifier: true },
  '1 lan': { alternatives: ['mot lan'], qualifier: true },
  'tien thai san': { alternatives: ['che do thai san'] },
  'mai tang phi': { alternatives: ['tu tuat', 'mai tang'] },
  'tien mai tang': { alternatives: ['tu tuat', 'mai tang'] },
  'tro cap mai tang': { alternatives: ['tu tuat', 'mai tang'] },
  'mai tang': { alternatives: ['tu tuat', 'mai tang'] },
  'tien tuat': { alternatives: ['che do tu tuat'] },
  'tro cap tuat': { alternatives: ['che do tu tuat'] },
  'bao hiem xa hoi tu nguyen': { alternatives: ['dong bhxh tu nguyen'] },
  'bhxh tu nguyen': { alternatives: ['dong bhxh tu nguyen'] },
  'mua bao hiem y te': { alternatives: ['dang ky dong cap the bhyt'] },
  'can ngheo': { alternatives: ['can ngheo'] },
  'so ngheo': { alternatives: ['ho ngheo'] },
  'khoan gieng': { alternatives: ['khai thac nuoc duoi dat'] },
  'gieng khoan': { alternatives: ['khai thac nuoc duoi dat'] },
  'nuoc ngam': { alternatives: ['nuoc duoi dat'] },
  'ma so thue ca nhan': { alternatives: ['dang ky thue lan dau ca nhan'] },
  // yếu tố nước ngoài
  'viet kieu': { alternatives: ['nuoc ngoai'], qualifier: true },
  'nguoi nuoc ngoai': { alternatives: ['nuoc ngoai'], qualifier: true },
  'ngoai quoc': { alternatives: ['nuoc ngoai'], qualifier: true },
  'han quoc': { alternatives: ['nuoc ngoai'], qualifier: true },
  'trung quoc': { alternatives: ['nuoc ngoai'], qualifier: true },
  'dai loan': { alternatives: ['nuoc ngoai'], qualifier: true },
  'nhat ban': { alternatives: ['nuoc ngoai'], qualifier: true },
  'nuoc lang gieng': { alternatives: ['nuoc lang gieng'], qualifier: true },
  nhat: { alternatives: ['nuoc ngoai'], accented: ['nhật'], requireAccent: true, qualifier: true },
  han: { alternatives: ['nuoc ngoai'], accented: ['hàn'], requireAccent: true, qualifier: true },
  my: { alternatives: ['nuoc ngoai'], accented: ['mỹ'], requireAccent: true, qualifier: true },
  uc: { alternatives: ['nuoc ngoai'], accented: ['úc'], requireAccent: true, qualifier: true },
  phap: { alternatives: ['nuoc ngoai'], accented: ['pháp'], requireAccent: true, qualifier: true },
  duc: { alternatives: ['nuoc ngoai'], accented: ['đức'], requireAccent: true, qualifier: true },
  lao: { alternatives: ['nuoc ngoai'], accented: ['lào'], requireAccent: true, qualifier: true },
  thai: { alternatives: ['nuoc ngoai'], accented: ['thái'], requireAccent: true, qualifier: true },
  nga: { alternatives: ['nuoc ngoai'], accented: ['nga'], requireAccent: true, qualifier: true },
  'campuchia': { alternatives: ['nuoc ngoai'], qualifier: true },
  'singapore': { alternatives: ['nuoc ngoai'], qualifier: true },
  'malaysia': { alternatives: ['nuoc ngoai'], qualifier: true },
  'nuoc khac': { alternatives: ['nuoc ngoai'], qualifier: true },
  // status words
  'bi mat': { alternatives: ['bi mat', 'cap lai'], qualifier: true },
  'lam mat': { alternatives: ['bi mat', 'cap lai'], qualifier: true },
  'danh mat': { alternatives: ['bi mat', 'cap lai'], qualifier: true },
  mat: { alternatives: ['mat', 'cap lai'], accented: ['mất'], qualifier: true },
  'lam lai': { alternatives: ['cap lai'], qualifier: true },
  'bi rach': { alternatives: ['cap lai'], qualifier: true },
  'bi hong': { alternatives: ['cap lai', 'cap doi'], qualifier: true },
  'het han': { alternatives: ['gia han', 'cap doi'], qualifier: true },
  'sap het han': { alternatives: ['gia han', 'cap doi'], qualifier: true },
  'lan dau': { alternatives: ['lan dau'], qualifier: true },
  'tre em': { alternatives: ['tre em', 'duoi 14 tuoi'], qualifier: true },
};

/**
 * Question frames and politeness that carry no procedure meaning (folded).
 * Multi-word entries are matched as phrases before single words.
 */
export const FILLER_PHRASES: string[] = [
  'xin chao', 'chao ban', 'chao em', 'chao anh', 'chao chi', 'chao ad', 'chao', 'hello', 'hi', 'alo',
  'cam on', 'cam on ban', 'thank', 'thanks', 'ok', 'oke', 'okie', 'vang', 'da vang', 'tam biet', 'bye',
  'ngoai gia thu', 'ra rieng', 'o rieng',
  'thu tuc hanh chinh', 'thu tuc', 'tthc', 'ubnd', 'uy ban nhan dan', 'dvc', 'dich vu cong',
  'cong dich vu cong', 'cho minh hoi', 'cho em hoi', 'cho toi hoi', 'cho hoi', 'xin hoi', 'muon hoi',
  'lam sao', 'lam the nao', 'nhu the nao', 'the nao', 'ra sao', 'the nao', 'bao lau', 'mat bao lau',
  'bao nhieu', 'may ngay', 'bao nhieu ngay', 'bao nhieu tien', 'mat bao nhieu', 'het bao nhieu',
  'le phi', 'mat tien', 'o dau', 'nop o dau', 'lam o dau', 'can gi', 'can nhung gi', 'nhung gi',
  'can giay to gi', 'giay to gi', 'can mang gi', 'ho so gom', 'ho so gi', 'ho so can', 'can ho so',
  'giay to can', 'can phai', 'co can', 'co phai', 'phai khong', 'duoc khong', 'co duoc',
  'khong a', 'a oi', 'oi', 'chi oi', 'anh oi', 'em oi', 'ban oi', 'ad oi', 'ad', 'admin',
  'cho be', 'cho chau', 'chau noi', 'chau ngoai', 'cho con', 'con toi', 'con em', 'con minh',
  'ong noi', 'ba noi', 'ong ngoai', 'ba ngoai', 'nha ngoai', 'ben ngoai', 'ben noi', 'ho noi', 'ho ngoai', 'ong ba',
  'cua con', 'be nha', 'em be', 'nha toi', 'nha em', 'nha minh', 'bo toi', 'me toi', 'ong toi',
  'ba toi', 'vo toi', 'chong toi', 'o xa', 'tai xa', 'len xa', 'ra xa', 'xa minh', 'xa em',
  'cap xa', 'o phuong', 'tai phuong', 'len phuong', 'online', 'truc tuyen', 'qua mang',
  'tren mang', 'hien nay', 'bay gio', 'nam nay', 'muon lam', 'can lam', 'gui don', 'nop don',
  'lam don', 'viet don', 'giay phep gi', 'can giay phep gi', 'giay gi', 'lam giay gi', 'hang xom',
  'toi muon', 'em muon', 'minh muon', 'toi can', 'em can', 'minh can', 'xin phep', 'mo coi',
];

/** Particles and pronouns that never carry procedure meaning (folded). */
export const FILLER_WORDS: string[] = [
  'toi', 'em', 'a', 'ah', 'nhe', 'nhen', 'gi', 'nao', 'ko', 'k', 'hok', 'dc', 'xin', 'giup', 'dum',
  'voi', 've', 'va', 'hay', 'hoac', 'roi', 'se', 'da', 'phai', 'nhung', 'cac', 'oi', 'nhi', 'u',
  'uh', 'kia', 'la', 'ak', 'hen', 'heng', 'ne',
  // chat shorthand and Southern pronouns/particles: "e" (em), "r" (rồi), "j" (gì), "tui", "mik", "bn" (bao nhiêu)
  'e', 'r', 'j', 'z', 'tui', 'mik', 'mk', 'bn', 'nhiu', 'ntn', 'sao', 'vay', 'dzay', 'zay', 'nghen', 'hen', 'ha', 'hả', 'ah',
  'tụi', 'tui',
];

/** Particles and pronouns recognised only with their diacritics (their folded forms are also real words). */
export const ACCENTED_FILLERS = new Set(['hổng', 'hông', 'ổng', 'bả', 'ảnh', 'tụi', 'nhen', 'nghen', 'hen', 'hén', 'dzậy', 'vậy', 'nhé', 'nha', 'ạ', 'ơi']);

/** Words for family members: "ba tôi mới mất" is a death, "mất giấy" is a loss. */
export const KIN_WORDS = new Set([
  'ba', 'bo', 'cha', 'me', 'ma', 'ong', 'cu', 'chong', 'vo', 'tia', 'u', 'con', 'chau', 'noi', 'ngoai', 'anh', 'chi', 'em',
  'nha', 'bac', 'chu', 'co', 'di', 'cau', 'mo', 'thim', 'duong', 'ghe', 'ruot', 'gia', 'nguoi',
]);
/** Things residents lose: "mất" followed by one of these is a loss, not a death. */
export const LOST_THINGS = new Set([
  'giay', 'so', 'the', 'can', 'cccd', 'cmnd', 'ho', 'bang', 'xe', 'vi', 'tien', 'dien', 'dat', 'ban', 'chung', 'gks', 'ca',
  'cavet', 'bien', 'hop', 'trich', 'quyen', 'nha', 'tai', 'sim', 'mat', 'bao', 'may', 'thoi', 'het', 'phi', 'khoang', 'nhieu', 'it',
  'viec', 'suc', 'ngu', 'lien', 'kha', 'nang', 'tich',
]);

/**
 * Everyday words that are also parts of official terms ("cấp", "đăng ký",
 * "giấy", "nhà"…). They are kept with a low weight; the index restores full
 * weight when a word forms a known phrase with its neighbour ("nhà ở",
 * "khai tử", "bản sao").
 */
export const SOFT_WORDS: string[] = [
  'anh', 'chi', 'co', 'chu', 'bac', 'can', 'ban', 'nguoi', 'nha', 'giay', 'to', 'ho', 'so', 'moi',
  'cu', 'dang', 'ky', 'cap', 'con', 'tu', 'tai', 'mot', 'nam', 'ngay', 'tien', 'o', 'khong', 'lam',
  'nop', 'mang', 'cho', 'de', 'be', 'ma', 'thang', 'may', 'khi', 'den', 'vao', 'theo', 'ra', 'len',
  'duoc', 'thi', 'hoi', 'chau', 'ong', 'bo', 'me', 'vo', 'chong', 'xa', 'phuong', 'di', 'the',
  'hien', 'nay', 'muc', 'sau', 'truoc', 'nhieu', 'it', 'het', 'lan', 'minh', 'muon', 'vay', 'sao',
  'cai', 'nhu', 'day', 'do', 'thoi', 'bi', 'sap', 'vua', 'dang', 'cung', 'nua', 'them', 'rat',
  'qua', 'gio', 'luc', 'hom', 'mai',
];

/** Whether a folded word is a soft filler (see SOFT_WORDS). */
export const SOFT_FILLERS = new Set(SOFT_WORDS);

/**
 * Topics residents chat about that are never administrative procedures
 * (folded phrases). Finding one makes the index decline unless the rest of
 * the query clearly names a procedure.
 */
export const OFF_TOPIC_PHRASES: string[] = [
  'thoi tiet', 'du bao', 'troi mua', 'co mua', 'mua khong', 'nang nong', 'bao lu', 'nhiet do',
  'bong da', 'da bong', 'ngoai hang', 'world cup', 'ty so', 'ti so', 'cau thu', 'tran dau',
  'gia vang', 'ty gia', 'ti gia', 'gia do', 'lai suat', 'co phieu hom nay', 'gia xang',
  'xo so', 'lo de', 'so de', 'xs', 'vietlott', 'tu vi', 'xem boi', 'phong thuy', 'cung hoang dao',
  'nau an', 'cach nau', 'mon an', 'quan an', 'nha hang', 'an gi', 'pho bo', 'cong thuc nau',
  'nguoi yeu', 'crush', 'hen ho', 'that tinh', 'chuyen cuoi', 'truyen cuoi', 'ke chuyen', 'dua',
  'bai hat', 'ca si', 'nghe nhac', 'xem phim', 'bo phim', 'choi game', 'lien quan', 'tiktok',
  'facebook', 'youtube', 'ban la ai', 'ban ten gi', 'khoe khong', 'an com chua', 'buon qua', 'chan qua',
  'taxi', 'grab', 'tra gop', 'dien thoai', 'may giat', 'tu lanh', 'dieu hoa',
  'ai la', 'la ai', 'duoc gia', 'gia re', 'do cu', 'thanh ly', 'cup dien', 'mat dien', 'cup nuoc',
  'mat nuoc', 'bi duc', 'tiem chung', 'tiem phong', 'vac xin', 'thpt', 'diem thi', 'thi tot nghiep',
  'chuc mung', 'nam moi', 'an khang', 'thinh vuong', 'mua to', 'mua lon', 'co ngap', 'ngap khong', 'ke chuyen', 'dep trai', 'xinh dep',
  'an trua', 'an sang', 'an toi', 'ngu ngon', 'vui qua', 'hay qua', 'gioi qua', 'thong minh', 'chuc ngu ngon', 'buoi sang',
];

/**
 * Words of asking for an administrative service: request verbs, the nouns of
 * papers, and question frames about a procedure. A message with none of them
 * is a procedure question only if it names one.
 */
export const INTENT_PHRASES = [
  'dang ky', 'dang ki', 'dk', 'dky', 'lam', 'xin', 'cap', 'giay', 'thu tuc', 'ho so', 'nop', 'chung thuc', 'xac nhan', 'khai',
  'sang ten', 'tach', 'chuyen', 'huy', 'xoa', 'gia han', 'cong chung', 'sao y', 'trich luc', 'ban sao', 'so do', 'the bhyt',
  'o dau', 'can gi', 'bao nhieu tien', 'the nao', 'lam sao', 'ra sao', 'bao lau', 'may ngay', 'phi', 'le phi', 'to khai', 'mau don',
  'ho tro', 'che do', 'cho phep', 'giay phep', 'duoc khong', 'co duoc', 'thu hoi', 'bao mat', 'khai bao', 'thong bao',
  'dieu chinh', 'uy quyen', 'thanh lap', 'ghi chu', 'ghi vao so', 'linh', 'lanh', 'nhan thay', 'hien', 'chat ha', 'giao',
  'sua', 'bo sung', 'cai chinh', 'nhan con', 'nhan nuoi', 'con nuoi', 'ket hon', 'tam tru', 'thuong tru', 'tam vang',
  'luu tru', 'can cuoc', 'cccd', 'hoa giai', 'khieu nai', 'to cao', 'bien so', 'giam ho', 'trinh bao', 'xin phep', 'dang ki',
].map((p) => ` ${p} `);

/** Words after "mất" that make it mean "takes/costs" ("mất mấy ngày"). */
export const COST_WORDS = new Set(['bao', 'may', 'tien', 'phi', 'thoi', 'het', 'khoang', 'chung', 'bn', 'nhieu', 'it']);

/** Words for people a procedure is done for ("cho con", "cho vợ"). */
export const PERSON_WORDS = new Set([
  'con', 'be', 'chau', 'vo', 'chong', 'bo', 'me', 'ong', 'ba', 'em', 'anh', 'chi', 'minh', 'toi',
  'gia', 'nguoi', 'cu',
]);
