#include "seed/demo_catalog.hpp"

namespace mart::seed {

const std::vector<DemoProduct>& demo_catalog() {
  static const std::vector<DemoProduct> catalog = {
      {"House Espresso Beans, 1 kg",
       "Medium-dark roast of Brazil and Colombia; chocolate and hazelnut. Whole bean.", 2450,
       "BEAN-ESP-1KG", 40},
      {"Ethiopia Yirgacheffe, 250 g",
       "Washed, light roast; jasmine, bergamot and lemon. Whole bean.", 1450, "BEAN-ETH-250", 30},
      {"Colombia Decaf, 250 g",
       "Sugar-cane decaffeinated, medium roast; caramel and red apple. Whole bean.", 1250,
       "BEAN-DEC-250", 20},
      {"Sencha Green Tea, 100 g", "Japanese steamed green tea, loose leaf; grassy and sweet.", 950,
       "TEA-SEN-100", 25},
      {"Ceramic Pour-Over Dripper", "Size 02 cone dripper in white porcelain, for one or two cups.",
       2800, "BREW-DRIP-02", 15},
      {"Paper Filters, 100 pack", "Unbleached size 02 cone filters.", 650, "BREW-FILT-100", 60},
      {"Burr Hand Grinder",
       "Stainless steel conical burrs, 30 click settings from espresso to French press.", 6900,
       "GRND-HAND", 8},
      {"French Press, 1 l",
       "Borosilicate glass in a stainless steel frame, with a four-layer mesh filter.", 3400,
       "BREW-FP-1L", 12},
      {"Gooseneck Kettle, 0.9 l",
       "Stovetop kettle with a thermometer in the lid, for a slow and steady pour.", 4500,
       "KETL-GN-09", 10},
      {"Stoneware Mug, 350 ml", "Hand-glazed in speckled oat; dishwasher and microwave safe.", 1600,
       "MUG-STN-350", 36},
      {"Digital Coffee Scale", "0.1 g resolution with a built-in timer; USB-C rechargeable.", 3900,
       "SCALE-DGT", 10},
      {"Panama Geisha, 100 g",
       "Limited lot, washed, light roast; jasmine, peach and honey. Back next season.", 3200,
       "BEAN-GSH-100", 0},
  };
  return catalog;
}

}  // namespace mart::seed
