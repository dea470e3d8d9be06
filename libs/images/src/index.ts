export { ImagesModule } from './images.module';
export { imagesService } from './images-service';
