import { scan, type Recognizer } from './types.ts';

// Nationalities, religious and political groups (Presidio's NRP): demonyms and their plurals
// ("Polish", "saudis"). Country names that Faker puts in addresses ("Czech Republic", "Cyprus
// (Greek)", "Greenlander 07609") are excluded by the lookarounds; "English" is left out (usually
// the language).
const WORDS = (
  'afghan albanian algerian american andorran angolan argentine argentinian armenian australian ' +
  'austrian azerbaijani bahamian bahraini bangladeshi barbadian belarusian belgian belizean belizian ' +
  'beninese bhutanese bolivian bosnian brazilian british bruneian bulgarian burmese burundian ' +
  'cambodian cameroonian canadian chadian chilean chinese colombian congolese croatian cuban cypriot ' +
  'czech danish djiboutian dominican dutch ecuadorean ecuadorian egyptian emirati eritrean estonian ' +
  'ethiopian fijian filipino finnish french gabonese gambian georgian german ghanaian greek ' +
  'greenlander grenadian guatemalan guinean guyanese haitian honduran hungarian icelandic indian ' +
  'indonesian iranian iraqi irish israeli italian ivorian jamaican japanese jordanian kazakh kenyan ' +
  'korean kosovar kuwaiti kyrgyz lao laotian latvian lebanese liberian libyan lithuanian ' +
  'luxembourgish macedonian malagasy malawian malaysian maldivian malian maltese mauritanian ' +
  'mauritian mexican moldovan monegasque mongolian montenegrin moroccan mozambican namibian nepalese ' +
  'nepali nicaraguan nigerian nigerien norwegian omani pakistani palestinian panamanian paraguayan ' +
  'peruvian polish portuguese qatari romanian russian rwandan salvadoran samoan saudi scottish ' +
  'senegalese serbian singaporean slovak slovakian slovenian somali spanish sudanese surinamese ' +
  'swedish swiss syrian taiwanese tajik tanzanian thai togolese tongan trinidadian tunisian turkish ' +
  'turkmen ugandan ukrainian uruguayan uzbek venezuelan vietnamese welsh yemeni zambian zimbabwean ' +
  'arab asian african european latino hispanic jewish muslim christian catholic protestant hindu ' +
  'buddhist sikh shia shiite shiis sunni englishman englishmen'
).split(' ');
const NRP_RE = new RegExp(
  `(?<![\\p{L}\\p{N}\\-(])(?:${WORDS.join('|')})(?:e?s)?(?![\\p{L}\\p{N}\\-)])(?! ?\\d)(?! (?:Republic|Union|Islands?|Kingdom|Federation|Emirates|Guinea|Samoa|Sea|Ocean|Alps)\\b)`,
  'giu',
);

export const nrpRecognizer: Recognizer = {
  type: 'NRP',
  find: (text) => scan(text, NRP_RE, (m) => ({ type: 'NRP', start: m.index, end: m.index + m[0].length, confidence: 0.7 })),
};
