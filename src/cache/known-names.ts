// Names a question often writes in lower case ("translate i love you to german", "flights from new
// york to london"): the name check (word-order.ts) reads a capital as the mark of a name, so without
// this list "... to german" met "... to french" (0.85) and "currency of japan" met "of china" (0.81).
// Languages, countries and continents, large cities, months, weekdays, units, currencies and programming
// languages: each counts as a name in any case, so the other question must hold it too. Words whose
// other sense is common in questions stay out ("go", "nice", "c", "may"); "turkey" stays in, as the
// bird is another question than chicken all the same.

const LANGUAGES = `english spanish french german italian portuguese dutch russian chinese mandarin cantonese japanese
korean arabic hindi bengali urdu punjabi turkish persian farsi greek hebrew polish ukrainian swedish norwegian danish
finnish czech hungarian romanian vietnamese thai indonesian malay tagalog swahili latin irish welsh catalan tamil
telugu marathi gujarati`;

const PLACES = `afghanistan albania algeria argentina armenia australia austria azerbaijan bangladesh belarus belgium bolivia
bosnia brazil bulgaria cambodia cameroon canada chile china colombia croatia cuba cyprus denmark ecuador egypt england
estonia ethiopia finland france georgia germany ghana greece guatemala haiti honduras hungary iceland india indonesia
iran iraq ireland israel italy jamaica japan jordan kazakhstan kenya korea kuwait laos latvia lebanon libya lithuania
luxembourg madagascar malaysia mexico mongolia morocco mozambique myanmar nepal netherlands nicaragua nigeria norway
pakistan panama paraguay peru philippines poland portugal qatar romania russia rwanda scotland senegal serbia singapore
slovakia slovenia somalia spain sudan sweden switzerland syria taiwan tanzania thailand tunisia turkey uganda ukraine
uruguay uzbekistan venezuela vietnam wales yemen zambia zimbabwe usa america europe asia africa antarctica oceania
american british canadian mexican brazilian indian australian african european asian egyptian israeli iranian
scottish
london paris rome berlin madrid tokyo beijing shanghai moscow sydney toronto chicago boston seattle dubai mumbai delhi
istanbul amsterdam vienna prague barcelona lisbon dublin athens cairo bangkok seoul miami houston dallas denver
atlanta vancouver montreal melbourne munich milan venice florence hawaii california texas florida`;

// Months (not "may", a verb), weekdays, units and currencies: "what holidays are in march" scored 0.96
// against "... in april", "cook on monday" 0.92 against "on friday", "grams in a pound" 0.90 against
// "in an ounce", "boiling point in fahrenheit" 0.88 against "in celsius".
const CALENDAR = `january february march april june july august september october november december monday tuesday
wednesday thursday friday saturday sunday`;

const UNITS = `celsius fahrenheit kelvin gram grams kilogram kilograms kg pound pounds lb lbs ounce ounces ton tons mile
miles km kilometer kilometers kilometre kilometres meter meters metre metres cm centimeter centimeters mm inch inches
foot feet yard yards liter liters litre litres ml gallon gallons quart pint cup cups tablespoon tablespoons teaspoon
teaspoons calorie calories joule joules watt watts volt volts mph kph acre acres hectare hectares byte bytes kb mb gb
tb dollar dollars usd euro euros eur yen gbp rupee rupees peso pesos yuan bitcoin`;

const PROGRAMMING = `python javascript typescript java rust golang kotlin swift ruby php perl scala haskell matlab bash
powershell sql html css`;

/** Lower-case words that are names whatever their case. */
export const KNOWN_NAMES: ReadonlySet<string> = new Set(`${LANGUAGES} ${PLACES} ${CALENDAR} ${UNITS} ${PROGRAMMING}`.split(/\s+/).filter(Boolean));
